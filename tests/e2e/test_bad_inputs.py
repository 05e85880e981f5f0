"""A bad-input corpus: every class of fault a user can cause, against the commands it hits.

Each case runs the real CLI in-process (``main([...])``) on both storage backends and
asserts the contract of the edge: exactly one error line on stderr (one JSON object with
``--format json``), the documented exit code, no traceback, and a store left exactly as
it was. Faults are grouped one test per class (malformed files, missing paths, paths that
cannot be written, a full disk), parametrised over the commands that meet them.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import structlog
from sqlalchemy import text

from colloquy.services.cli.main import main
from colloquy.storage import Store

TABLES = ("datasets", "conversations", "turns", "splits")
DATASET = "chats"


class Cli:
    """Runs ``colloquy`` in-process against one store and checks what a failure prints."""

    def __init__(self, url: str, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.url = url
        self.root = root
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return code, out, err

    def counts(self) -> dict[str, int]:
        with Store.connect(self.url) as store, store.transaction() as conn:
            return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES}

    def fails(self, code: int, *args: str, needle: str | None = None) -> str:
        """Run ``args``, expecting one error line with exit ``code`` and no store change."""
        before = self.counts()
        exit_code, out, err = self(*args)
        lines = [line for line in err.splitlines() if line.strip() and not _is_log(line)]
        assert exit_code == code, err
        assert out == "", out
        assert "Traceback" not in err, err
        assert len(lines) == 1, err
        line = lines[0]
        if "--format" in args and "json" in args:
            error = json.loads(line)
            assert error["code"] == code
            message = f"{error['error']} — {error['hint']}"
        else:
            assert line.startswith("colloquy: error: "), err
            message = line
        if needle is not None:
            assert needle in message, message
        assert self.counts() == before
        return message


def _is_log(line: str) -> bool:
    try:
        record = json.loads(line)
    except ValueError:
        return False
    return isinstance(record, dict) and "event" in record and "error" not in record


@contextmanager
def logging_restored() -> Iterator[None]:
    """Undo the logging set-up of in-process CLI runs (their streams close after the test)."""
    root_logger = logging.getLogger()
    handlers, level = list(root_logger.handlers), root_logger.level
    try:
        yield
    finally:
        root_logger.handlers[:] = handlers
        root_logger.setLevel(level)
        structlog.reset_defaults()


@pytest.fixture
def cli(
    store_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Cli]:
    """A store holding one small dataset (200 conversations), and a runner against it."""
    monkeypatch.setenv("COLLOQUY_DATABASE_URL", store_url)
    monkeypatch.setenv("COLLOQUY_LOGGING__LEVEL", "warning")
    chats = tmp_path / "chats.csv"
    chats.write_text(
        "conversation_id,speaker,text,intent\n"
        + "".join(
            f"c{i},customer,my card ending {i:04d} was charged twice at the store,"
            f"{'refund' if i % 2 else 'card'}\n"
            for i in range(200)
        ),
        encoding="utf-8",
    )
    runner = Cli(store_url, tmp_path, capsys)
    with logging_restored():
        code, _, err = runner("data", "ingest", "csv", str(chats), "--dataset", DATASET,
                              "--map", "labels=intent")  # fmt: skip
        assert code == 0, err
        yield runner


def _file(root: Path, name: str, content: bytes) -> str:
    path = root / name
    path.write_bytes(content)
    return str(path)


MALFORMED: dict[str, Callable[[Path], tuple[int, list[str], str | None]]] = {
    "config: UTF-16 YAML": lambda r: (
        2,
        ["--config", _file(r, "c.yaml", "storage:\n  batch_size: 5\n".encode("utf-16")),
         "config", "show"],
        "c.yaml",
    ),
    "config: binary": lambda r: (
        2, ["--config", _file(r, "c.yaml", bytes(range(256))), "db", "status"], "c.yaml"
    ),
    "config: recursive anchor": lambda r: (
        2, ["--config", _file(r, "c.yaml", b"a: &x [*x]\n"), "config", "show"], "c.yaml"
    ),
    "ingest: truncated JSON lines": lambda r: (
        65,
        ["data", "ingest", "jsonl", _file(r, "t.jsonl", b'{"text": "hi"}\n{"text": "by'),
         "--dataset", "new"],
        "t.jsonl:2",
    ),
    "ingest: binary as conversations": lambda r: (
        65,
        ["data", "ingest", "conversations", _file(r, "b.jsonl", bytes(range(256)) * 4),
         "--dataset", "new"],
        "b.jsonl",
    ),
    "ingest: empty CSV": lambda r: (
        65, ["data", "ingest", "csv", _file(r, "e.csv", b""), "--dataset", "new"], "e.csv"
    ),
    "ingest: CSV without the mapped column": lambda r: (
        65,
        ["data", "ingest", "csv", _file(r, "n.csv", b"body,who\nhi,user\n"),
         "--map", "text=message", "--dataset", "new"],
        "'message'",
    ),
    "ingest json mode: truncated JSON lines": lambda r: (
        65,
        ["data", "ingest", "jsonl", _file(r, "t.jsonl", b'{"text": "hi"}\n{"text'),
         "--dataset", "new", "--format", "json"],
        "t.jsonl:2",
    ),
    "train: CSV without the label column": lambda r: (
        65,
        ["train", "intent", "--data", _file(r, "x.csv", b"text,other\nhello,1\n"),
         "--text-column", "text", "--label-column", "label", "--output", str(r / "model")],
        "'label'",
    ),
    "train: empty CSV": lambda r: (
        65,
        ["train", "intent", "--data", _file(r, "x.csv", b""), "--text-column", "text",
         "--label-column", "label", "--output", str(r / "model")],
        "x.csv",
    ),
    "predict: truncated --metadata @file": lambda r: (
        65,
        ["predict", "conversion", "--model", str(r / "model"),
         "--transcript", _file(r, "t.txt", b"Agent: hi\n"),
         "--metadata", "@" + _file(r, "m.json", b'{"age": ')],
        "--metadata",
    ),
    "train conversion: truncated JSON lines": lambda r: (
        65,
        ["train", "conversion", "--source", "jsonl",
         "--data", _file(r, "t.jsonl", b'{"conversation_id": "a", "turns": ['),
         "--output", str(r / "model")],
        "t.jsonl",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files(cli: Cli, case: str) -> None:
    code, args, needle = MALFORMED[case](cli.root)
    message = cli.fails(code, *args, needle=needle)
    assert "--on-error" not in message or args[:2] == ["data", "ingest"]


MISSING: dict[str, Callable[[Path], list[str]]] = {
    "ingest file": lambda r: ["data", "ingest", "csv", str(r / "absent.csv")],
    "train data": lambda r: [
        "train", "intent", "--data", str(r / "absent.csv"), "--text-column", "t",
        "--label-column", "l", "--output", str(r / "model"),
    ],
    "dataset": lambda r: ["data", "export", "absent", "-o", str(r / "x.jsonl")],
    "--metadata @file": lambda r: [
        "predict", "conversion", "--model", str(r / "model"), "--transcript", str(r / "t.txt"),
        "--metadata", "@" + str(r / "absent.json"),
    ],
    "dataset, json mode": lambda r: ["data", "show", "absent", "--format", "json"],
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(MISSING))
def test_missing_inputs_exit_4(cli: Cli, case: str) -> None:
    cli.fails(4, *MISSING[case](cli.root))


def _empty_mirror(root: Path) -> str:
    """A mirror folder: the destination fails before anything is read from it."""
    mirror = root / "mirror"
    mirror.mkdir(exist_ok=True)
    return str(mirror)


def _under_a_file(root: Path, name: str) -> Path:
    blocker = root / "blocker"
    blocker.write_text("a regular file where a folder is expected\n", encoding="utf-8")
    return blocker / name


UNUSABLE_OUTPUTS: dict[str, Callable[[Path, Path], list[str]]] = {
    "export -o": lambda _, out: ["data", "export", DATASET, "-o", str(out)],
    "export -o, json mode": lambda _, out: [
        "data", "export", DATASET, "-o", str(out), "--format", "json",
    ],
    "split -o": lambda _, out: ["data", "split", DATASET, "--name", "new", "-o", str(out)],
    "quality --html": lambda _, out: ["data", "quality", DATASET, "--html", str(out)],
    "fetch --dest": lambda r, out: [
        "data", "fetch", "banking77", "--dest", str(out), "--base-url", _empty_mirror(r),
    ],
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(UNUSABLE_OUTPUTS))
def test_output_under_a_regular_file_exits_73(cli: Cli, case: str) -> None:
    out = _under_a_file(cli.root, "out.file")
    message = cli.fails(73, *UNUSABLE_OUTPUTS[case](cli.root, out))
    assert "blocker" in message


def test_model_output_under_a_regular_file_is_an_unusable_model_directory(cli: Cli) -> None:
    data = cli.root / "train.csv"
    data.write_text(
        "text,label\n"
        + "".join(f"message {i} about {'ab'[i % 2]},{'ab'[i % 2]}\n" for i in range(40)),
        encoding="utf-8",
    )
    out = _under_a_file(cli.root, "model")
    cli.fails(
        66, "train", "intent", "--data", str(data), "--text-column", "text",
        "--label-column", "label", "--method", "tfidf", "--output", str(out), needle="blocker",
    )  # fmt: skip


@pytest.mark.parametrize("case", ["export -o", "split -o", "quality --html"])
def test_output_that_is_a_directory_exits_73(cli: Cli, case: str) -> None:
    out = cli.root / "a-folder"
    out.mkdir()
    (out / "keep.txt").write_text("user file\n", encoding="utf-8")
    cli.fails(73, *UNUSABLE_OUTPUTS[case](cli.root, out), needle=str(out))
    assert (out / "keep.txt").read_text(encoding="utf-8") == "user file\n"


FOLDER_AS_FILE: dict[str, tuple[int, list[str]]] = {
    "ingest": (65, ["data", "ingest", "jsonl", "{folder}"]),
    "config": (2, ["--config", "{folder}", "config", "show"]),
    "train --data": (65, ["train", "intent", "--data", "{folder}", "--text-column", "t",
                          "--label-column", "l", "--output", "{root}/model"]),
    "--metadata @": (73, ["predict", "conversion", "--model", "{root}/model",
                          "--transcript", "{root}/t.txt", "--metadata", "@{folder}"]),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(FOLDER_AS_FILE))
def test_a_folder_where_a_file_belongs(cli: Cli, case: str) -> None:
    folder = cli.root / "folder"
    folder.mkdir()
    (folder / "notes.txt").write_text("not data\n", encoding="utf-8")
    (cli.root / "t.txt").write_text("Agent: hello\nCustomer: hi\n", encoding="utf-8")
    code, args = FOLDER_AS_FILE[case]
    filled = [a.format(folder=folder, root=cli.root) for a in args]
    message = cli.fails(code, *filled, needle=str(folder))
    assert "does not exist" not in message


def _require_root_mount(target: Path, *options: str) -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a file system here needs root and mount(8)")
    result = subprocess.run(
        ["mount", *options, str(target)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        pytest.skip(f"mount is not permitted here: {result.stderr.strip()}")


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, so a write runs out of space part-way."""
    disk = tmp_path / "tiny"
    disk.mkdir()
    _require_root_mount(disk, "-t", "tmpfs", "-o", "size=64k", "tmpfs")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=False)


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder bind-mounted read-only (root ignores permission bits, not this)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    _require_root_mount(folder, "--bind", "-o", "ro", str(folder))
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


@pytest.mark.parametrize("case", ["export -o", "split -o", "quality --html"])
def test_full_disk_exits_74_and_leaves_no_partial_file(
    cli: Cli, tiny_disk: Path, case: str
) -> None:
    out = tiny_disk / "out.file"
    (tiny_disk / "filler").write_bytes(b"\0" * 60 * 1024)
    cli.fails(74, *UNUSABLE_OUTPUTS[case](cli.root, out), needle=str(out))
    leftovers = sorted(p.name for p in tiny_disk.iterdir())
    assert leftovers == ["filler"], leftovers


@pytest.mark.parametrize("case", ["export -o", "split -o", "quality --html"])
def test_read_only_file_system_exits_73(cli: Cli, read_only_dir: Path, case: str) -> None:
    out = read_only_dir / "out.file"
    cli.fails(73, *UNUSABLE_OUTPUTS[case](cli.root, out), needle=str(out))


def test_permission_denied_exits_73(cli: Cli, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        denied = Path("/sys/colloquy-out.jsonl")
        if not Path("/sys/kernel").is_dir():
            pytest.skip("no sysfs here to refuse root a new file")
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        denied = locked / "out.jsonl"
    cli.fails(73, "data", "export", DATASET, "-o", str(denied), needle=str(denied))
    assert not denied.exists()


def test_unreadable_input_file_is_bad_input(cli: Cli, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their permission bits")
    secret = tmp_path / "secret.csv"
    secret.write_text("text\nhello\n", encoding="utf-8")
    secret.chmod(0)
    cli.fails(65, "data", "ingest", "csv", str(secret), "--dataset", "new", needle="secret.csv")


@pytest.fixture(scope="module")
def intent_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small TF-IDF intent model and its labelled data, trained once for this module."""
    root = tmp_path_factory.mktemp("intent")
    data = root / "train.csv"
    rows = "".join(f"message {i} about {'ab'[i % 2]},{'ab'[i % 2]}\n" for i in range(60))
    data.write_text("text,label\n" + rows, encoding="utf-8")
    model = root / "model"
    with logging_restored():
        code = main(
            ["train", "intent", "--data", str(data), "--text-column", "text",
             "--label-column", "label", "--method", "tfidf", "--output", str(model)]
        )  # fmt: skip
    assert code == 0
    return model, data


def _evaluate(model: Path, data: Path, report: Path) -> list[str]:
    return [
        "evaluate", "intent", "--model", str(model), "--data", str(data),
        "--text-column", "text", "--label-column", "label", "--report", str(report),
    ]  # fmt: skip


def test_evaluate_report_under_a_regular_file_exits_73(
    cli: Cli, intent_model: tuple[Path, Path]
) -> None:
    cli.fails(73, *_evaluate(*intent_model, _under_a_file(cli.root, "report")), needle="blocker")


def test_evaluate_report_on_a_full_disk_exits_74(
    cli: Cli, intent_model: tuple[Path, Path], tiny_disk: Path
) -> None:
    (tiny_disk / "filler").write_bytes(b"\0" * 60 * 1024)
    report = tiny_disk / "report"
    cli.fails(74, *_evaluate(*intent_model, report), needle=str(report))
