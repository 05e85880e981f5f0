"""Bitext customer-support sample: 4,514 instruction/response pairs with 27 intents.

PATH is the bitext folder or its CSV (``Bitext_Sample_Customer_Support_Training_Dataset.csv``,
columns ``context, role, instruction, intent, entity_type, entity_value, start_offset,
end_offset, category, tags, response``). Each row becomes a two-turn conversation: the
customer's ``instruction`` (carrying the intent) and the agent's ``response``.

Format notes, and why the code looks the way it does:

* ``response`` holds CRLF line breaks *inside quoted fields*, so a record spans several
  physical lines. The file is read with ``newline=""`` (otherwise the csv module cannot
  tell an embedded CRLF from a record end) and line endings are normalised to ``\\n``
  afterwards; the content itself is kept as written.
* Because records span lines, the conversation id is ``row-{line}`` where ``line`` is the
  physical line on which the record *starts* (``row-2`` is the first record), which is
  where an editor shows it. Problems are reported at that line too.
* ``entity_*`` describe at most one slot span in the instruction; rows without a slot leave
  all four empty, which becomes ``None``. The offsets are kept as published (they do not
  always bracket ``entity_value`` exactly).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from colloquy.data.loaders.base import Loader
from colloquy.schema import Conversation, Speaker, Turn

FILE_NAME = "Bitext_Sample_Customer_Support_Training_Dataset.csv"
_REQUIRED = (
    "instruction",
    "intent",
    "category",
    "response",
    "tags",
    "entity_type",
    "entity_value",
    "start_offset",
    "end_offset",
)


class _BadRowError(ValueError):
    """A row that cannot become a conversation; the message says why."""


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become ``\\n``; nothing else changes."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _optional_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _optional_int(row: dict[str, str | None], column: str) -> int | None:
    raw = _optional_text(row.get(column))
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise _BadRowError(f"{column} must be an integer or empty, found {raw!r}") from None


def _required_text(row: dict[str, str | None], column: str) -> str:
    value = row.get(column)
    if value is None or not value.strip():
        raise _BadRowError(f"empty {column}")
    return value


class BitextLoader(Loader):
    name = "bitext"
    description = "Bitext customer-support sample: instruction/response pairs, 27 intents (CSV)"
    layout = f"the bitext folder with {FILE_NAME}, or that CSV file"

    def _load(self, path: Path) -> Iterator[Conversation]:
        file = path / FILE_NAME if path.is_dir() else path
        if not file.is_file():
            self.problem(path, None, f"no {FILE_NAME} in {path}")
            return
        yield from self._load_file(file)

    def _load_file(self, file: Path) -> Iterator[Conversation]:
        self.note_file(file)
        with file.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                self.problem(file, 1, f"missing column(s) {', '.join(missing)}")
                return
            end = reader.line_num
            for row in reader:
                start, end = end + 1, reader.line_num
                try:
                    yield self._conversation(row, start)
                except _BadRowError as exc:
                    self.problem(file, start, str(exc))

    def _conversation(self, row: dict[str, str | None], line: int) -> Conversation:
        if None in row:
            raise _BadRowError(f"more fields than the {len(row) - 1} columns of the header")
        if any(value is None for value in row.values()):
            raise _BadRowError("fewer fields than the header has columns")
        instruction = normalise_newlines(_required_text(row, "instruction"))
        response = normalise_newlines(_required_text(row, "response"))
        intent = _required_text(row, "intent").strip()
        category = _required_text(row, "category").strip()
        return Conversation(
            id=f"row-{line}",
            source=self.name,
            channel="chat",
            turns=(
                Turn(index=0, speaker=Speaker.CUSTOMER, text=instruction, intent=intent),
                Turn(index=1, speaker=Speaker.AGENT, text=response),
            ),
            metadata={
                "tags": _optional_text(row["tags"]),
                "entity_type": _optional_text(row["entity_type"]),
                "entity_value": _optional_text(row["entity_value"]),
                "start_offset": _optional_int(row, "start_offset"),
                "end_offset": _optional_int(row, "end_offset"),
            },
            labels={"intent": intent, "category": category},
        )
