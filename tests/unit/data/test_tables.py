"""Labelled text tables (``--data``): what a path that is not a readable table says."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from colloquy.data.tables import read_labelled_texts, read_table
from colloquy.errors import DataError, NotFoundError, ParseError


def _read(path: Path) -> tuple[list[str], list[str]]:
    return read_labelled_texts(path, text_column="text", label_column="label")


def test_a_csv_is_read(tmp_path: Path) -> None:
    file = tmp_path / "train.csv"
    file.write_text("text,label\nhello,greet\nbye,leave\n", encoding="utf-8")
    assert _read(file) == (["hello", "bye"], ["greet", "leave"])


def test_a_folder_says_it_is_a_folder_and_what_it_holds(tmp_path: Path) -> None:
    pd.DataFrame({"text": ["a"], "label": ["x"]}).to_csv(tmp_path / "train.csv", index=False)
    with pytest.raises(ParseError) as excinfo:
        _read(tmp_path)
    message = str(excinfo.value)
    assert "does not exist" not in message
    assert f"{tmp_path}: is a folder, not a data file; it holds train.csv" in message
    assert ".csv, .jsonl or .parquet file" in message


def test_a_fifo_is_refused_without_reading_it(tmp_path: Path) -> None:
    fifo = tmp_path / "train.csv"
    os.mkfifo(fifo)
    with pytest.raises(ParseError, match="not a regular file"):
        _read(fifo)


def test_a_missing_file_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        read_table(tmp_path / "nope.csv")


def test_an_unreadable_file_is_a_parse_error(tmp_path: Path) -> None:
    file = tmp_path / "train.csv"
    file.write_text("text,label\nhello,greet\n", encoding="utf-8")
    file.chmod(0)
    try:
        file.open("rb").close()
    except PermissionError:
        pass
    else:
        file.unlink()
        file.symlink_to("/proc/sys/vm/drop_caches")
    with pytest.raises(ParseError) as excinfo:
        _read(file)
    assert str(excinfo.value).startswith(f"{file}: cannot read: permission denied")


def test_binary_content_is_one_line(tmp_path: Path) -> None:
    file = tmp_path / "train.csv"
    file.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(DataError) as excinfo:
        _read(file)
    assert "\n" not in str(excinfo.value)
    assert str(file) in str(excinfo.value)
