"""Parquet tables, read column-pruned and one record batch at a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from colloquy.data.loaders.tabular.assembly import Record
from colloquy.data.loaders.tabular.base import TabularLoader


class ParquetLoader(TabularLoader):
    """Reads only the mapped columns, one record batch at a time (bounded memory)."""

    name = "parquet"
    description = "a Parquet table of conversations, through a column mapping"
    layout = "a .parquet file, or a folder of them"
    suffixes = (".parquet", ".pq")

    def _records(self, file: Path) -> Iterator[tuple[int, Record]]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pq.ParquetFile(file)
        except pa.ArrowException as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            self.problem(file, None, f"not a readable Parquet file: {reason}")
            return
        if not self._columns_present(file, None, table.schema_arrow.names):
            return
        row = 0
        batches = table.iter_batches(batch_size=self.batch_size, columns=self.mapping.columns())
        try:
            for batch in batches:
                for record in batch.to_pylist():
                    row += 1
                    yield row, record
        except pa.ArrowException as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            self.problem(file, row + 1, f"unreadable Parquet data: {reason}; the rest is left out")


__all__ = ["ParquetLoader"]
