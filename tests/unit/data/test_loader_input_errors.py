"""Every loader, fed a path that is not what it expects, answers with one line naming it.

Real files in ``tmp_path``: a FIFO (which would block a read forever), bytes that are not
text, a file the process may not read, a folder where a file belongs. None may end in a
traceback, a hang or a message without the path.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from colloquy.data.loaders import LOADERS, ColumnMapping, Loader, get_loader
from colloquy.data.loaders.base import ROW_HINT
from colloquy.errors import DataError, NotFoundError, ParseError

BINARY = bytes(range(256)) * 8
"""Not UTF-8, not JSON, not CSV, not Parquet, not SQLite."""

TABULAR = {"csv", "jsonl", "parquet", "sql"}

INPUT_FILE = {
    "banking77": "train.csv",
    "bitext": "bitext.csv",
    "craigslist_bargain": "dev.json",
    "sgd": "dialogues_001.json",
    "twitter_support": "twcs.csv",
    "csv": "chats.csv",
    "jsonl": "chats.jsonl",
    "parquet": "chats.parquet",
    "sql": "chats.db",
    "transcript": "call1.txt",
    "conversations": "export.jsonl",
}
"""A file name each single-file loader accepts as PATH."""


def _loader(name: str, **kwargs: object) -> Loader:
    options: dict[str, object] = {}
    if name in TABULAR:
        options["mapping"] = ColumnMapping()
    if name == "sql":
        options["query"] = "SELECT text FROM chats"
    return get_loader(name, **options, **kwargs)  # type: ignore[arg-type]


def _fails_in_one_line(load: Callable[[], object], path: Path, *words: str) -> DataError:
    with pytest.raises(DataError) as excinfo:
        load()
    message = str(excinfo.value)
    assert "\n" not in message
    assert str(path) in message
    for word in words:
        assert word in message
    return excinfo.value


def _unreadable(path: Path, content: bytes) -> Path:
    """A file this process cannot read: mode 000, or (as root, who reads anything) a link
    to a kernel file that even root may only write."""
    path.write_bytes(content)
    path.chmod(0)
    try:
        path.open("rb").close()
    except PermissionError:
        return path
    path.unlink()
    path.symlink_to("/proc/sys/vm/drop_caches")
    try:
        path.open("rb").close()
    except PermissionError:
        return path
    except OSError:
        pass
    pytest.skip("no file on this machine is unreadable to this process")


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_a_fifo_is_refused_before_anything_reads_it(name: str, tmp_path: Path) -> None:
    fifo = tmp_path / INPUT_FILE.get(name, "data")
    os.mkfifo(fifo)
    error = _fails_in_one_line(lambda: list(_loader(name).load(fifo)), fifo, "FIFO")
    assert isinstance(error, ParseError)


@pytest.mark.parametrize("name", sorted(INPUT_FILE))
def test_binary_content_is_a_data_error_naming_the_file(name: str, tmp_path: Path) -> None:
    file = tmp_path / INPUT_FILE[name]
    file.write_bytes(BINARY)
    _fails_in_one_line(lambda: list(_loader(name).load(file)), file)


@pytest.mark.parametrize("name", sorted(INPUT_FILE))
def test_an_unreadable_file_is_a_parse_error(name: str, tmp_path: Path) -> None:
    file = _unreadable(tmp_path / INPUT_FILE[name], b"text\nhello\n")
    error = _fails_in_one_line(lambda: list(_loader(name).load(file)), file)
    assert "permission denied" in str(error)


def test_persuasion4good_with_binary_files(tmp_path: Path) -> None:
    folder = tmp_path / "FullData"
    folder.mkdir()
    (folder / "full_info.csv").write_bytes(BINARY)
    (folder / "full_dialog.csv").write_bytes(BINARY)
    _fails_in_one_line(lambda: list(_loader("persuasion4good").load(tmp_path)), folder)


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("twitter_support", "{}.csv"),
        ("conversations", "{}.jsonl"),
        ("sgd", "dialogues_{}.json"),
        ("csv", "{}.csv"),
        ("transcript", "{}.txt"),
    ],
)
def test_a_folder_named_like_a_data_file_is_not_read_as_one(
    name: str, pattern: str, tmp_path: Path
) -> None:
    (tmp_path / pattern.format("001")).mkdir()
    (tmp_path / pattern.format("002")).mkdir()
    error = _fails_in_one_line(lambda: list(_loader(name).load(tmp_path)), tmp_path)
    assert "no " in str(error)


def test_an_unreadable_file_in_a_folder_is_skipped_under_skip(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("text\nhello\n", encoding="utf-8")
    locked = _unreadable(tmp_path / "b.csv", b"text\nsecret\n")
    loader = _loader("csv", on_error="skip")
    assert [c.turns[0].text for c in loader.load(tmp_path)] == ["hello"]
    (problem,) = loader.report.problems
    assert problem.path == str(locked)
    assert "permission denied" in problem.message


def test_a_missing_path_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        list(_loader("csv").load(tmp_path / "nowhere.csv"))


def test_the_row_hint_names_the_command_that_has_on_error(tmp_path: Path) -> None:
    file = tmp_path / "bad.jsonl"
    file.write_text('{"text": "hello"}\n{not json\n', encoding="utf-8")
    loader = _loader("jsonl")
    with pytest.raises(ParseError) as excinfo:
        list(loader.load(file))
    assert excinfo.value.hint == ROW_HINT
    assert "data ingest" in ROW_HINT

    loader.row_hint = "fix the row"
    with pytest.raises(ParseError) as excinfo:
        list(loader.load(file))
    assert "--on-error" not in str(excinfo.value)
