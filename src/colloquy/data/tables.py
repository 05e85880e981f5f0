"""Labelled text tables for model training and evaluation: CSV, JSONL or Parquet.

Training and evaluation commands take ``--data FILE --text-column COL --label-column COL``;
this module reads such a file and reports, in one line, what is wrong with it: a format it
cannot read, a column that is not there (listing those that are), or rows without a label.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pandas as pd

from colloquy.data.loaders.base import read_failure
from colloquy.errors import DataError, NotFoundError, ParseError, UsageError

READERS = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet"}


def read_table(path: Path | str) -> pd.DataFrame:
    """The table in ``path`` (by extension: .csv, .jsonl/.json lines, .parquet)."""
    file = Path(path)
    _check_file(file)
    kind = READERS.get(file.suffix.lower())
    if kind is None:
        raise UsageError(
            f"cannot read {file}: unknown extension {file.suffix!r}",
            hint="use a .csv, .jsonl or .parquet file",
        )
    try:
        if kind == "csv":
            return pd.read_csv(file, dtype=str, keep_default_na=False)
        if kind == "jsonl":
            return pd.read_json(file, lines=True, dtype=False)
        return pd.read_parquet(file)
    except OSError as exc:
        message, hint = read_failure(exc)
        raise ParseError(message, path=file, hint=hint) from None
    except (ValueError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot parse {file} as {kind}: {first}") from None


def _check_file(file: Path) -> None:
    """A regular file, or an error saying what ``file`` is instead and what is expected."""
    try:
        mode = file.stat().st_mode
    except FileNotFoundError:
        raise NotFoundError(f"data file {file} does not exist") from None
    except OSError as exc:
        message, hint = read_failure(exc)
        raise ParseError(message, path=file, hint=hint) from None
    if stat.S_ISDIR(mode):
        try:
            tables = sorted(p.name for p in file.iterdir() if p.suffix.lower() in READERS)
        except OSError:
            tables = []
        inside = f"; it holds {', '.join(tables[:5])}" if tables else ""
        raise ParseError(
            f"is a folder, not a data file{inside}",
            path=file,
            hint="pass one .csv, .jsonl or .parquet file with a text and a label column",
        )
    if not stat.S_ISREG(mode):
        raise ParseError(
            "not a regular file (a FIFO or device)",
            path=file,
            hint="pass a .csv, .jsonl or .parquet file",
        )


def read_labelled_texts(
    path: Path | str, *, text_column: str, label_column: str
) -> tuple[list[str], list[str]]:
    """Texts and labels from a table; missing columns and missing labels are errors."""
    frame = read_table(path)
    missing = [c for c in (text_column, label_column) if c not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: no column {', '.join(repr(c) for c in missing)}",
            hint=f"its columns are: {', '.join(map(str, frame.columns))}",
        )
    texts = frame[text_column].fillna("").astype(str).tolist()
    raw_labels = frame[label_column]
    absent = raw_labels.isna() | (raw_labels.astype(str).str.strip() == "")
    if absent.any():
        rows = ", ".join(str(i + 2) for i in absent[absent].index[:5])
        raise DataError(
            f"{path}: {int(absent.sum())} rows have no {label_column!r} (e.g. lines {rows})",
            hint="label them or drop them",
        )
    return texts, raw_labels.astype(str).tolist()
