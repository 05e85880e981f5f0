"""Rows of a table, one turn each, assembled into ``Conversation`` records.

Every table loader yields ``(line, record)`` pairs; an :class:`Assembler` turns them into
conversations the same way whatever the format. Rows of one conversation must be
contiguous, so memory holds one conversation plus the ids already finished; an id seen
again — later in the same file, or in another file of the same input — is a problem
naming where it was first read, never a silent merge or a clash found only in the store.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from colloquy.data.loaders.tabular.cells import (
    is_empty,
    json_safe,
    order_key,
    parse_outcome,
    parse_timestamp,
    role_of,
    text_of,
)
from colloquy.data.loaders.tabular.mapping import ColumnMapping
from colloquy.schema import Conversation, Outcome, Speaker, Turn
from colloquy.schema.conversation import JsonValue

Record = Mapping[str, Any]
_T = TypeVar("_T")


class ProblemSink(Protocol):
    """Where the assembler reports a row it leaves out (the loader's ``problem``)."""

    def __call__(self, path: Path | str, line: int | None, message: str) -> None: ...


class _RowError(ValueError):
    """One row cannot become a turn; the message says why."""


@dataclass(slots=True)
class _Row:
    line: int
    conversation_id: str
    order: float | None
    turn: Turn
    labels: dict[str, JsonValue] = field(default_factory=dict)
    metadata: dict[str, JsonValue] = field(default_factory=dict)
    outcome: Outcome | None = None


@dataclass(slots=True)
class Assembler:
    """Turns ``(line, record)`` pairs of one file or query into conversations.

    ``origins`` maps each conversation id already read to where it came from; the loader
    shares one dict between the files of one input so that ids stay unique across them.
    """

    mapping: ColumnMapping
    source: str
    problem: ProblemSink
    where: str
    stem: str
    origins: dict[str, str] = field(default_factory=dict)

    def run(self, records: Iterable[tuple[int, Record]]) -> Iterator[Conversation]:
        current: list[_Row] = []
        for line, record in records:
            row = self._row(line, record)
            if row is None:
                continue
            if current and row.conversation_id == current[0].conversation_id:
                current.append(row)
                continue
            if current:
                yield from self._build(current)
                current = []
            if self._known(row):
                continue
            current.append(row)
            if self.mapping.single_turn:
                yield from self._build(current)
                current = []
        if current:
            yield from self._build(current)

    def _known(self, row: _Row) -> bool:
        """Report a conversation id read before; remember a new one (multi-turn only)."""
        if self.mapping.single_turn:
            return False
        first = self.origins.get(row.conversation_id)
        if first is None:
            self.origins[row.conversation_id] = self.where
            return False
        if first == self.where:
            message = (
                f"conversation {row.conversation_id!r} re-appears after other conversations; "
                f"rows of one conversation must be contiguous — sort by "
                f"{self.mapping.conversation_id!r} first"
            )
        else:
            message = (
                f"conversation {row.conversation_id!r} was already read from {first}; "
                "conversation ids must be unique across the files of one input"
            )
        self.problem(self.where, row.line, message)
        return True

    def _row(self, line: int, record: Record) -> _Row | None:
        try:
            return self._parse(line, record)
        except _RowError as exc:
            self.problem(self.where, line, str(exc))
            return None

    def _parse(self, line: int, record: Record) -> _Row:
        m = self.mapping
        cid = _cell(record, m.conversation_id, required=True)
        conversation_id = f"{self.stem}-{line}" if cid is None else text_of(cid).strip()
        text = text_of(_cell(record, m.text, required=True)).strip()
        try:
            speaker = self._speaker(record)
            order = _convert(record, m.turn_order, order_key)
            timestamp = _convert(record, m.timestamp, parse_timestamp)
            outcome = _convert(record, m.outcome, parse_outcome)
        except ValueError as exc:
            raise _RowError(str(exc)) from None
        raw_id = _cell(record, m.speaker_id)
        intent = _cell(record, m.intent)
        try:
            turn = Turn(
                index=0,
                speaker=speaker,
                text=text,
                speaker_id=None if raw_id is None else text_of(raw_id).strip(),
                timestamp=timestamp,
                intent=None if intent is None else text_of(intent).strip(),
            )
        except ValidationError as exc:
            raise _RowError(f"invalid turn: {_first_error(exc)}") from None
        return _Row(
            line=line,
            conversation_id=conversation_id,
            order=order,
            turn=turn,
            labels=_values(record, m.labels),
            metadata=_values(record, m.metadata),
            outcome=outcome,
        )

    def _speaker(self, record: Record) -> Speaker:
        raw = _cell(record, self.mapping.speaker, required=True)
        return Speaker.CUSTOMER if raw is None else role_of(raw, self.mapping.roles)

    def _build(self, rows: list[_Row]) -> Iterator[Conversation]:
        if self.mapping.turn_order is not None:
            rows = sorted(rows, key=lambda row: row.order if row.order is not None else math.inf)
        turns = tuple(row.turn.model_copy(update={"index": i}) for i, row in enumerate(rows))
        stamps = [turn.timestamp for turn in turns if turn.timestamp is not None]
        try:
            conversation = Conversation(
                id=rows[0].conversation_id,
                source=self.mapping.source or self.source,
                channel=self.mapping.channel,
                started_at=min(stamps) if stamps else None,
                turns=turns,
                metadata=_first_values(row.metadata for row in rows),
                labels=_first_values(row.labels for row in rows),
                outcome=next((row.outcome for row in rows if row.outcome is not None), None),
            )
        except ValidationError as exc:
            self.problem(self.where, rows[0].line, f"invalid conversation: {_first_error(exc)}")
            return
        yield conversation


def _cell(record: Record, column: str | None, *, required: bool = False) -> Any:
    if column is None:
        return None
    value = record.get(column)
    if column not in record and required:
        raise _RowError(f"row has no column {column!r}")
    if is_empty(value):
        if required:
            raise _RowError(f"empty {column!r}")
        return None
    return value


def _convert(record: Record, column: str | None, convert: Callable[[Any], _T]) -> _T | None:
    value = _cell(record, column)
    return None if value is None else convert(value)


def _values(record: Record, columns: tuple[str, ...]) -> dict[str, JsonValue]:
    cells = {column: _cell(record, column) for column in columns}
    return {column: json_safe(value) for column, value in cells.items() if value is not None}


def _first_error(exc: ValidationError) -> str:
    """The first validation problem as ``field: message``, on one line."""
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"])
    message = " ".join(str(error["msg"]).split())
    return f"{where}: {message}" if where else message


def _first_values(dicts: Iterable[dict[str, JsonValue]]) -> dict[str, JsonValue]:
    merged: dict[str, JsonValue] = {}
    for values in dicts:
        for key, value in values.items():
            merged.setdefault(key, value)
    return merged


__all__ = ["Assembler", "ProblemSink", "Record"]
