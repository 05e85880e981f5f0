"""Where a table of rows comes from: a CSV, JSONL or Parquet file, or an SQL query.

A pipeline file declares its source as this record, so it is validated with the rest of
the file before any data is read; :func:`colloquy.data.rows.read_rows` does the reading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

RowFormat = Literal["csv", "jsonl", "parquet", "sql"]
SUFFIX_FORMATS: dict[str, RowFormat] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
"""The file suffixes ``format: auto`` recognises, and the format each one means."""


class ReadOptions(BaseModel):
    """How to read the rows; every option has a default that suits ordinary files."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    """CSV field separator; ``None`` means ``,`` (or a tab for ``.tsv`` files)."""
    encoding: str = "utf-8"
    """Text encoding of CSV and JSONL files."""
    max_rows: int | None = Field(default=None, ge=1)
    """Read only the first rows (a quick trial run); ``None`` reads them all."""


class RowSource(BaseModel):
    """A table of rows: ``path`` to a file, or ``url`` and ``query`` for an SQL database."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    path: Path | None = None
    """A CSV, JSONL or Parquet file."""
    url: str | None = None
    """A SQLAlchemy database URL (``sqlite:///rows.db``, ``postgresql+psycopg://…``)."""
    query: str | None = None
    """The SQL ``SELECT`` whose result is the table (with ``url``)."""
    format: Literal["csv", "jsonl", "parquet", "sql", "auto"] = "auto"
    """``auto``: ``sql`` with a ``url``, otherwise from the file's suffix."""
    options: ReadOptions = ReadOptions()
    """Delimiter, encoding and a row limit."""

    @model_validator(mode="after")
    def _one_origin(self) -> RowSource:
        if (self.path is None) == (self.url is None):
            raise ValueError("give either 'path' (a file) or 'url' and 'query' (SQL), not both")
        if self.url is not None and not (self.query or "").strip():
            raise ValueError("'url' needs a 'query' (the SELECT that returns the rows)")
        if self.path is not None and self.query is not None:
            raise ValueError("'query' goes with 'url'; a file source takes 'path' only")
        if self.url is not None and self.format not in ("auto", "sql"):
            raise ValueError(f"a 'url' source is read with SQL, not format {self.format!r}")
        if self.path is not None and self.format == "sql":
            raise ValueError("format 'sql' needs 'url' and 'query' instead of 'path'")
        suffix = self.path.suffix.lower() if self.path is not None else ""
        if self.path is not None and self.format == "auto" and suffix not in SUFFIX_FORMATS:
            known = ", ".join(sorted(SUFFIX_FORMATS))
            raise ValueError(
                f"cannot tell the format of {self.path.name!r} from its suffix ({known}); "
                "set 'format' to csv, jsonl or parquet"
            )
        return self

    @property
    def resolved_format(self) -> RowFormat:
        """The format the rows are read in, ``auto`` resolved."""
        if self.url is not None:
            return "sql"
        if self.format != "auto":
            return self.format
        assert self.path is not None
        return SUFFIX_FORMATS[self.path.suffix.lower()]

    @property
    def display_name(self) -> str:
        """How error messages name the source: the file's name or the database URL."""
        if self.path is not None:
            return self.path.name
        return f"the query on {_hide_password(self.url or '')}"


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the database"
