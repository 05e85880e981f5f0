"""A CSV, TSV, JSONL or Parquet file scanned with ``pyarrow.dataset``, a few columns at a time.

What the table sources share: the format chosen by suffix, the columns checked up front
(a missing one is named with the columns that exist), the file's content fingerprint, and
a scan in record batches of only the columns asked for, so memory is bounded by a batch
whatever the file's size.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as csv
import pyarrow.dataset as ds

from colloquy.data.versions import file_version
from colloquy.errors import DataError, NotFoundError, UsageError

TABLE_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "json",
    ".ndjson": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
}

ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OSError)


class TableFile:
    """One table file; ``column_types`` fixes how CSV cells of those columns are read."""

    def __init__(
        self,
        path: Path,
        *,
        id_column: str | None = None,
        column_types: Mapping[str, pa.DataType] | None = None,
        batch_rows: int = 1000,
    ) -> None:
        self.path = Path(path).expanduser().absolute()
        self.id_column = id_column
        self.batch_rows = batch_rows
        if not self.path.is_file():
            raise NotFoundError(f"no input file {self.path}", hint="check the --input path")
        table_format = TABLE_SUFFIXES.get(self.path.suffix.lower())
        if table_format is None:
            raise UsageError(
                f"{self.path}: cannot read {self.path.suffix or 'a file without suffix'!r} "
                "as a table",
                hint=f"use one of {', '.join(sorted(TABLE_SUFFIXES))}",
            )
        self.format = table_format
        types = dict(column_types or {})
        if id_column is not None:
            types[id_column] = pa.string()
        self.dataset = self._open(types)
        self.check_columns([("--id-column", id_column)])

    @property
    def description(self) -> str:
        return f"file:{self.path}"

    def fingerprint(self) -> str:
        return file_version(self.path).sha256

    def total(self) -> int | None:
        """The row count of a Parquet file (from its footer); None for text formats."""
        if self.format != "parquet":
            return None
        try:
            return int(self.dataset.count_rows())
        except ARROW_ERRORS:
            return None

    def check_columns(self, wanted: Sequence[tuple[str, str | None]]) -> None:
        """Refuse the first (option, column) pair whose column the file does not have."""
        names = self.dataset.schema.names
        for option, column in wanted:
            if column is not None and column not in names:
                raise DataError(
                    f"{self.path}: no column {column!r}; columns: {', '.join(names)}",
                    hint=f"name the column with {option}"
                    if option.startswith("--")
                    else f"give a file with {option}",
                )

    def scan(self, columns: Sequence[str]) -> Iterator[pa.RecordBatch]:
        """Record batches of ``columns``; a read error is one line naming the file."""
        try:
            yield from self.dataset.to_batches(columns=list(columns), batch_size=self.batch_rows)
        except ARROW_ERRORS as exc:
            raise DataError(
                f"{self.path}: cannot read it as {self.format} ({first_line(exc)})",
                hint="check the file's format, encoding and column types",
            ) from None

    def _open(self, types: dict[str, pa.DataType]) -> ds.Dataset:
        try:
            return ds.dataset(self.path, format=self._file_format(types))
        except ARROW_ERRORS as exc:
            raise DataError(
                f"{self.path}: cannot read it as {self.format} ({first_line(exc)})",
                hint="check the file's format and encoding",
            ) from None

    def _file_format(self, types: dict[str, pa.DataType]) -> Any:
        if self.format in ("csv", "tsv"):
            return ds.CsvFileFormat(
                parse_options=csv.ParseOptions(
                    delimiter="\t" if self.format == "tsv" else ",", newlines_in_values=True
                ),
                convert_options=csv.ConvertOptions(column_types=types),
            )
        return self.format


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
