"""Rows of named columns from a CSV, TSV, JSONL or Parquet file, for a tabular model.

Only the columns the model was trained on (and an id column) are scanned. Values keep the
types the file gives them (CSV cells of numeric and text features are read as numbers and
strings); the model's input schema coerces them and refuses a column of the wrong kind by
name.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from colloquy.pipelines.batch.inputs.base import BatchInput
from colloquy.pipelines.batch.inputs.table_file import TableFile

Row = dict[str, Any]


class TableRows(TableFile, BatchInput[Row]):
    """The ``columns`` of each row of a table file; ids from ``id_column`` or row numbers."""

    kind = "rows"

    def __init__(
        self,
        path: Path,
        *,
        columns: tuple[str, ...],
        column_types: Mapping[str, pa.DataType] | None = None,
        id_column: str | None = None,
        batch_rows: int = 1000,
    ) -> None:
        self.columns = columns
        super().__init__(
            path, id_column=id_column, column_types=column_types, batch_rows=batch_rows
        )
        self.check_columns([("the model's feature columns", column) for column in columns])

    def options(self) -> dict[str, str | None]:
        return {"columns": ",".join(self.columns), "id_column": self.id_column}

    def rows(self) -> Iterator[tuple[str, Row | None]]:
        ids = [self.id_column] if self.id_column and self.id_column not in self.columns else []
        row = 0
        for batch in self.scan([*self.columns, *ids]):
            for record in batch.to_pylist():
                row_id = record.get(self.id_column) if self.id_column else None
                yield (
                    (str(row) if row_id is None else str(row_id)),
                    {column: record[column] for column in self.columns},
                )
                row += 1
