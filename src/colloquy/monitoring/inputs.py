"""Where monitoring reads its data: a file (CSV, Parquet, JSON lines) or a stored dataset,
optionally cut to a time window."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from colloquy.errors import DataError, NotFoundError
from colloquy.monitoring.frames import TIME_FIELD, conversation_frame

if TYPE_CHECKING:
    from colloquy.storage.store import Store

_READERS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".json": "jsonl"}


def read_table(path: Path) -> pd.DataFrame:
    """A tabular file as a frame; the suffix picks the reader."""
    kind = _READERS.get(path.suffix.lower())
    if kind is None:
        raise DataError(
            f"cannot read {path}: unsupported file type {path.suffix or '(none)'}",
            hint=f"use one of {', '.join(sorted(_READERS))}",
        )
    if not path.is_file():
        raise NotFoundError(f"{path} does not exist", hint="check the path")
    try:
        if kind == "csv":
            return pd.read_csv(path)
        if kind == "parquet":
            return pd.read_parquet(path)
        return pd.read_json(path, lines=True)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read {path}: {exc}", hint="check the file's format") from exc


def _utc(moment: datetime) -> pd.Timestamp:
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def window(
    frame: pd.DataFrame,
    *,
    since: datetime | None,
    until: datetime | None,
    time_column: str = TIME_FIELD,
) -> pd.DataFrame:
    """Rows with ``since <= time < until``; a window on a table without the column is an error."""
    if since is None and until is None:
        return frame
    if time_column not in frame.columns:
        raise DataError(
            f"cannot cut a time window: no column {time_column!r} in the data",
            hint="name the time column with --time-column",
        )
    times = pd.to_datetime(frame[time_column], utc=True, errors="coerce")
    keep = times.notna()
    if since is not None:
        keep &= times >= _utc(since)
    if until is not None:
        keep &= times < _utc(until)
    return frame.loc[keep].reset_index(drop=True)


def load_frame(
    source: str,
    *,
    store: Store | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    time_column: str = TIME_FIELD,
) -> pd.DataFrame:
    """A path that exists (or has a table suffix) is a file, anything else a stored dataset."""
    path = Path(source)
    if path.exists() or path.suffix.lower() in _READERS:
        frame = read_table(path)
    else:
        if store is None:
            raise DataError(f"{source!r} is not a file", hint="pass a file path or a dataset name")
        frame = conversation_frame(store.conversations(source))
    frame = window(frame, since=since, until=until, time_column=time_column)
    return frame.drop(columns=[time_column]) if time_column in frame.columns else frame
