"""Texts from one column of a CSV, TSV, JSONL or Parquet file, for an intent model.

Cells are read as strings, so a column of numbers or codes is still text; a null or blank
cell is a row with nothing to predict on (its output row has no intent).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from colloquy.pipelines.batch.inputs.base import BatchInput
from colloquy.pipelines.batch.inputs.table_file import TableFile


class TableTexts(TableFile, BatchInput[str]):
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
        self.text_column = text_column
        super().__init__(
            path,
            id_column=id_column,
            column_types={text_column: pa.string()},
            batch_rows=batch_rows,
        )
        self.check_columns([("--text-column", text_column)])

    def options(self) -> dict[str, str | None]:
        return {"text_column": self.text_column, "id_column": self.id_column}

    def rows(self) -> Iterator[tuple[str, str | None]]:
        columns = [self.text_column] + ([self.id_column] if self.id_column else [])
        row = 0
        for batch in self.scan(columns):
            texts = _strings(batch.column(0)).to_pylist()
            ids = _strings(batch.column(1)).to_pylist() if self.id_column else None
            for position, text in enumerate(texts):
                row_id = ids[position] if ids is not None else None
                yield (str(row) if row_id is None else row_id), _text(text)
                row += 1


def _strings(column: pa.Array) -> pa.Array:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column
    return pc.cast(column, pa.string())


def _text(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None
