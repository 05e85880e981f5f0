"""CSV tables: a header row, then one turn per row (quoted newlines and commas allowed)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from colloquy.data.loaders.tabular.assembly import Record
from colloquy.data.loaders.tabular.base import TabularLoader

if TYPE_CHECKING:
    from _csv import Reader


class CsvLoader(TabularLoader):
    name = "csv"
    description = "any CSV table of conversations, through a column mapping"
    layout = "a .csv file with a header row, or a folder of them"
    suffixes = (".csv",)

    def _records(self, file: Path) -> Iterator[tuple[int, Record]]:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            try:
                header = next(reader, None)
            except (csv.Error, UnicodeDecodeError) as exc:
                self.problem(file, 1, f"unreadable header: {exc}")
                return
            if header is None:
                self.problem(file, None, "empty file: no header row")
                return
            header = [column.strip() for column in header]
            if self._columns_present(file, 1, header):
                yield from self._rows(file, reader, header)

    def _rows(
        self, file: Path, reader: Reader, header: list[str]
    ) -> Iterator[tuple[int, dict[str, str]]]:
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self.problem(file, start, f"unreadable CSV row (check its quoting): {exc}")
                start = reader.line_num + 1
                continue
            except UnicodeDecodeError as exc:
                self.problem(file, start, f"not UTF-8 text: {exc.reason}; the rest is left out")
                return
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                self.problem(file, line, f"expected {len(header)} fields, found {len(row)}")
                continue
            yield line, dict(zip(header, row, strict=True))


__all__ = ["CsvLoader"]
