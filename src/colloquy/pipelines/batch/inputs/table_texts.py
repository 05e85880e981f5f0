"""Texts from one column of a CSV, TSV, JSONL or Parquet file, read with ``pyarrow.dataset``.

The file is scanned in record batches of one column (two with an id column), so memory is
bounded by a batch whatever the file's size. Cells are read as strings, so a column of
numbers or codes is still text; a null or blank cell is a row with nothing to predict on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as csv
import pyarrow.dataset as ds

from colloquy.data.versions import file_version
from colloquy.errors import DataError, NotFoundError, UsageError
from colloquy.pipelines.batch.inputs.base import BatchInput

TABLE_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "json",
    ".ndjson": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
}

_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OSError)


class TableTexts(BatchInput[str]):
    """The ``text_column`` of a table file; row ids from ``id_column`` or the row number."""

    kind = "texts"

    def __init__(
        self,
        path: Path,
        *,
        text_column: str = "text",
        id_column: str | None = None,
        batch_rows: int = 1000,
    ) -> None:
        self.path = Path(path).expanduser().absolute()
        self.text_column = text_column
        self.id_column = id_column
        self.batch_rows = batch_rows
        if not self.path.is_file():
            raise NotFoundError(f"no input file {self.path}", hint="check the --input path")
        self.format = TABLE_SUFFIXES.get(self.path.suffix.lower())
        if self.format is None:
            raise UsageError(
                f"{self.path}: cannot read {self.path.suffix or 'a file without suffix'!r} "
                "as a table",
                hint=f"use one of {', '.join(sorted(TABLE_SUFFIXES))}",
            )
        self.dataset = self._open()
        self._check_columns()

    @property
    def description(self) -> str:
        return f"file:{self.path}"

    def fingerprint(self) -> str:
        return file_version(self.path).sha256

    def options(self) -> dict[str, str | None]:
        return {"text_column": self.text_column, "id_column": self.id_column}

    def total(self) -> int | None:
        if self.format != "parquet":
            return None
        try:
            return int(self.dataset.count_rows())
        except _ARROW_ERRORS:
            return None

    def rows(self) -> Iterator[tuple[str, str | None]]:
        columns = [self.text_column] + ([self.id_column] if self.id_column else [])
        row = 0
        try:
            for batch in self.dataset.to_batches(columns=columns, batch_size=self.batch_rows):
                texts = _strings(batch.column(0)).to_pylist()
                ids = _strings(batch.column(1)).to_pylist() if self.id_column else None
                for position, text in enumerate(texts):
                    row_id = ids[position] if ids is not None else None
                    yield (row_id if row_id is not None else str(row)), _text(text)
                    row += 1
        except _ARROW_ERRORS as exc:
            raise DataError(
                f"{self.path}: cannot read row {row + 1} onwards ({_first_line(exc)})",
                hint="check the file's format and encoding",
            ) from None

    def _open(self) -> ds.Dataset:
        try:
            return ds.dataset(self.path, format=self._file_format())
        except _ARROW_ERRORS as exc:
            raise DataError(
                f"{self.path}: cannot read it as {self.format} ({_first_line(exc)})",
                hint="check the file's format and encoding",
            ) from None

    def _file_format(self) -> Any:
        if self.format in ("csv", "tsv"):
            strings = {self.text_column: pa.string()}
            if self.id_column:
                strings[self.id_column] = pa.string()
            return ds.CsvFileFormat(
                parse_options=csv.ParseOptions(
                    delimiter="\t" if self.format == "tsv" else ",", newlines_in_values=True
                ),
                convert_options=csv.ConvertOptions(column_types=strings),
            )
        return self.format

    def _check_columns(self) -> None:
        names = self.dataset.schema.names
        for option, column in (
            ("--text-column", self.text_column),
            ("--id-column", self.id_column),
        ):
            if column is not None and column not in names:
                raise DataError(
                    f"{self.path}: no column {column!r}; columns: {', '.join(names)}",
                    hint=f"name the column with {option}",
                )


def _strings(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column
    return pc.cast(column, pa.string())


def _text(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
