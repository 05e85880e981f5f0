"""Labelled text tables for model training and evaluation: CSV, JSONL or Parquet.

Training and evaluation commands take ``--data FILE --text-column COL --label-column COL``;
this module reads such a file and reports, in one line, what is wrong with it: a format it
cannot read, a column that is not there (listing those that are), or rows without a label.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from colloquy.errors import DataError, NotFoundError, UsageError

READERS = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet"}


def read_table(path: Path | str) -> pd.DataFrame:
    """The table in ``path`` (by extension: .csv, .jsonl/.json lines, .parquet)."""
    file = Path(path)
    if not file.is_file():
        raise NotFoundError(f"data file {file} does not exist")
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
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot parse {file} as {kind}: {first}") from None


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
