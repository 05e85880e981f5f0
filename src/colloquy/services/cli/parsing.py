"""Turning command-line input into library arguments: metadata, speaker maps, input texts.

Everything here is about what a person types or points a command at, so every error
names the option, the file and the line, and says what to write instead. File-system
errors (a missing file, a directory, no permission) are left to the entry point, which
reports them with the path and a documented exit code.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from colloquy.errors import DataError, ParseError, UsageError

if TYPE_CHECKING:
    from colloquy.schema import Speaker
    from colloquy.schema.conversation import JsonValue

STDIN = "-"
"""The file name that means standard input."""

_CSV_SUFFIXES = {".csv": ",", ".tsv": "\t"}
_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_T = TypeVar("_T")


def parse_metadata(raw: str | None, option: str = "--metadata") -> dict[str, JsonValue]:
    """A JSON object given inline, or as ``@file.json``; ``{}`` when not given."""
    if raw is None:
        return {}
    if raw.startswith("@"):
        path = Path(raw[1:]).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(
                f"{option} {path}: not UTF-8 text (byte {exc.start})",
                hint="save the file as UTF-8 JSON",
            ) from None
        where = f"{option} {path}"
    else:
        text, where = raw, option
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        error = ParseError if raw.startswith("@") else UsageError
        raise error(
            f"{where} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
            hint='write an object such as {"age": 41, "plan": "pro"}',
        ) from None
    if not isinstance(value, dict):
        raise UsageError(
            f"{where} must be a JSON object, not {type(value).__name__}",
            hint='e.g. {"age": 41}',
        )
    return value


def parse_speaker_map(pairs: Sequence[str], option: str = "--speaker") -> dict[str, Speaker]:
    """``NAME=ROLE`` options as a map from a transcript's speaker names to roles."""
    from colloquy.schema import Speaker

    roles = ", ".join(s.value for s in Speaker)
    mapping: dict[str, Speaker] = {}
    for pair in pairs:
        name, sep, role = pair.partition("=")
        if not sep or not name.strip() or not role.strip():
            raise UsageError(
                f"{option} {pair!r} is not NAME=ROLE", hint=f"e.g. {option} Dana=agent ({roles})"
            )
        try:
            mapping[name.strip()] = Speaker(role.strip().lower())
        except ValueError:
            raise UsageError(
                f"{option} {pair!r}: unknown role {role.strip()!r}", hint=f"use one of {roles}"
            ) from None
    return mapping


@dataclass(frozen=True, slots=True)
class InputText:
    """One text to classify and where it came from, for error messages."""

    text: str
    where: str


def argument_texts(texts: Sequence[str]) -> Iterator[InputText]:
    """TEXT arguments, numbered from 1."""
    for position, text in enumerate(texts, start=1):
        yield _checked(InputText(text, f"TEXT argument {position}"))


def file_texts(path: Path, *, field: str | None = None) -> Iterator[InputText]:
    """Texts from ``path`` (``-`` for stdin), read lazily so any size fits in memory.

    A ``.csv`` or ``.tsv`` file gives the ``field`` column (default ``text``); a ``.jsonl``
    file, or stdin with ``field`` set, gives that field of each object; anything else is
    one text per line.
    """
    name = "stdin" if str(path) == STDIN else str(path)
    suffix = "" if str(path) == STDIN else path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        reader = _csv_texts
    elif suffix in _JSONL_SUFFIXES or (suffix == "" and name == "stdin" and field):
        reader = _jsonl_texts
    else:
        reader = _line_texts
        if field is not None and name != "stdin":
            raise UsageError(
                f"--text-column applies to .csv, .tsv and .jsonl files, not {path.name}",
                hint="leave it out for a text file with one message per line",
            )
    if name == "stdin":
        yield from _decoded(name, reader(sys.stdin, name, field, suffix))
        return
    with path.expanduser().open(encoding="utf-8-sig", newline="") as stream:
        yield from _decoded(name, reader(stream, name, field, suffix))


def batched(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    """``items`` in lists of ``size`` (the last one shorter)."""
    batch: list[_T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _decoded(name: str, texts: Iterator[InputText]) -> Iterator[InputText]:
    try:
        yield from texts
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"{name}: not UTF-8 text (byte {exc.start} of a block)",
            hint="convert the file to UTF-8",
        ) from None


def _line_texts(stream: TextIO, name: str, field: str | None, suffix: str) -> Iterator[InputText]:
    for number, line in enumerate(stream, start=1):
        yield _checked(InputText(line.rstrip("\r\n"), f"{name} line {number}"))


def _csv_texts(stream: TextIO, name: str, field: str | None, suffix: str) -> Iterator[InputText]:
    column = field or "text"
    reader = csv.reader(stream, delimiter=_CSV_SUFFIXES[suffix])
    header = next(reader, None)
    if header is None:
        raise DataError(f"{name} is empty", hint="give a header row and one message per row")
    if column not in header:
        raise DataError(
            f"{name}: no column {column!r}",
            hint=f"name one of {', '.join(map(repr, header))} with --text-column",
        )
    index = header.index(column)
    for row in reader:
        if not row:
            continue
        where = f"{name} line {reader.line_num}"
        if index >= len(row):
            raise ParseError(
                f"{where}: {len(row)} fields, no {column!r}", hint="check the row's commas"
            )
        yield _checked(InputText(row[index], where))


def _jsonl_texts(stream: TextIO, name: str, field: str | None, suffix: str) -> Iterator[InputText]:
    key = field or "text"
    for number, line in enumerate(stream, start=1):
        where = f"{name} line {number}"
        if not line.strip():
            raise DataError(f"{where}: empty line", hint="remove it")
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ParseError(
                f"{where}: not valid JSON ({exc.msg} at column {exc.colno})",
                hint="write one JSON object per line",
            ) from None
        if not isinstance(record, dict) or key not in record:
            raise DataError(
                f"{where}: no field {key!r}", hint="name the text's field with --text-field"
            )
        value = record[key]
        if not isinstance(value, str):
            raise DataError(
                f"{where}: field {key!r} is {type(value).__name__}, not a string",
                hint="give the message as a JSON string",
            )
        yield _checked(InputText(value, where))


def _checked(item: InputText) -> InputText:
    if not item.text.strip():
        raise DataError(
            f"{item.where}: the text is empty or whitespace only",
            hint="remove it or give the words of the message",
        )
    return item
