"""JSON Lines tables: one JSON object per line, one turn per object."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from colloquy.data.loaders.tabular.assembly import Record
from colloquy.data.loaders.tabular.base import TabularLoader


class JsonlLoader(TabularLoader):
    name = "jsonl"
    description = "JSON Lines (one object per row), through a column mapping"
    layout = "a .jsonl file with one JSON object per line, or a folder of them"
    suffixes = (".jsonl", ".ndjson")

    def _records(self, file: Path) -> Iterator[tuple[int, Record]]:
        checked = False
        for line, raw in self._lines(file):
            record = self._decode(file, line, raw)
            if record is None:
                continue
            if not checked:
                if not self._columns_present(file, line, record):
                    return
                checked = True
            yield line, record

    def _lines(self, file: Path) -> Iterator[tuple[int, str]]:
        line = 0
        with file.open(encoding="utf-8-sig") as handle:
            try:
                for line, raw in enumerate(handle, start=1):
                    if raw.strip():
                        yield line, raw
            except UnicodeDecodeError as exc:
                self.problem(file, line + 1, f"not UTF-8 text: {exc.reason}; the rest is left out")

    def _decode(self, file: Path, line: int, raw: str) -> dict[str, Any] | None:
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            self.problem(file, line, f"invalid JSON: {exc.msg} at column {exc.colno}")
            return None
        if not isinstance(record, dict):
            self.problem(file, line, f"expected a JSON object, found {type(record).__name__}")
            return None
        return record


__all__ = ["JsonlLoader"]
