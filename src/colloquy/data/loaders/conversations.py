"""colloquy's own JSONL: one conversation per line, as ``colloquy data export`` writes it.

Each line is a JSON object in the shape of :class:`~colloquy.schema.Conversation`::

    {"id": "call-17", "source": "crm", "channel": "call",
     "turns": [{"speaker": "agent", "text": "Hi, Sam here.", "timestamp": "2024-05-01T09:30Z"},
               {"speaker": "customer", "text": "Hi Sam, about the renewal…"}],
     "metadata": {"plan": "pro", "seats": 12},
     "outcome": {"converted": true, "value": 4800.0}}

Written by hand it may leave out ``id`` (the file stem and line number are used),
``source`` (``"jsonl"``) and each turn's ``index`` (its position). Any other deviation
from the schema is reported with the file, the line and the field path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from colloquy.data.loaders.base import Loader, regular_files
from colloquy.schema import Conversation, SchemaError


class ConversationJsonlLoader(Loader):
    name = "conversations"
    description = "colloquy conversation JSONL (one Conversation per line), e.g. an export"
    layout = "a .jsonl file with one conversation per line, or a folder of them"

    def _load(self, path: Path) -> Iterator[Conversation]:
        files = regular_files(path.glob("*.jsonl")) if path.is_dir() else [path]
        if not files:
            self.problem(path, None, f"no .jsonl files in {path}")
        for file in files:
            yield from self._load_file(file)

    def _load_file(self, file: Path) -> Iterator[Conversation]:
        self.note_file(file)
        with file.open("rb") as handle:
            for line_number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    data = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    self.problem(file, line_number, f"invalid JSON: {exc}")
                    continue
                if not isinstance(data, dict):
                    self.problem(file, line_number, "expected a JSON object per line")
                    continue
                try:
                    yield Conversation.parse(_with_defaults(data, file, line_number))
                except SchemaError as exc:
                    self.problem(file, line_number, str(exc))


def _with_defaults(data: dict[str, Any], file: Path, line: int) -> dict[str, Any]:
    filled = dict(data)
    filled.setdefault("id", f"{file.stem}-{line}")
    filled.setdefault("source", "jsonl")
    turns = filled.get("turns")
    if isinstance(turns, list):
        filled["turns"] = [
            {"index": position, **turn} if isinstance(turn, dict) else turn
            for position, turn in enumerate(turns)
        ]
    return filled
