"""The conversation records every layer of colloquy speaks.

Records are frozen Pydantic models: validated on construction, immutable afterwards, and
round-tripped losslessly through JSON (``to_json`` / ``from_json``). A conversation's
``content_hash`` is stable across processes and platforms, so storage can recognise a
conversation it has already seen and skip it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Self

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from colloquy.errors import SchemaError

JsonValue = Any
"""A value that survives ``json.dumps``: None, bool, int, float, str, list, dict."""


def _as_utc(value: datetime | None) -> datetime | None:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class Speaker(StrEnum):
    """Who said a turn. Parsing is case-insensitive (``"Customer"`` is the customer)."""

    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"

    @classmethod
    def _missing_(cls, value: object) -> Speaker | None:
        if isinstance(value, str):
            for member in cls:
                if member.value == value.lower():
                    return member
        return None


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Self:
        """Validate ``data`` and raise :class:`SchemaError` with field paths on failure."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise _schema_error(cls.__name__, exc) from None

    def to_json(self) -> str:
        """Compact JSON; ``from_json`` restores an equal record."""
        return self.model_dump_json(exclude_none=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> Self:
        """Parse JSON produced by :meth:`to_json` (or written by hand)."""
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            raise _schema_error(cls.__name__, exc) from None


def _schema_error(record: str, exc: ValidationError) -> SchemaError:
    errors = [
        (".".join(str(p) for p in err["loc"]) or record, err["msg"], err.get("input"))
        for err in exc.errors()
    ]
    return SchemaError(record, errors)


class DialogueAct(_Record):
    """One dialogue act in a turn, e.g. ``INFORM(date=2019-03-06)`` or ``OFFER(price=120)``."""

    act: str = Field(min_length=1)
    slot: str | None = None
    values: tuple[JsonValue, ...] = ()


EVENT_KEY = "event"
"""``Turn.extra`` key marking a structured event, not speech (a negotiation's offer/accept).

Such turns have empty text and may reveal the outcome, so feature code skips them
(:func:`colloquy.features.transcript.is_spoken`); the value is the action.
"""


class Turn(_Record):
    """One utterance (or structured event) in a conversation.

    Timestamps are kept in UTC; a naive timestamp is taken to be UTC already.
    """

    index: int = Field(ge=0)
    speaker: Speaker
    text: str
    speaker_id: str | None = None
    timestamp: datetime | None = None
    intent: str | None = None
    dialogue_acts: tuple[DialogueAct, ...] = ()
    extra: dict[str, JsonValue] = Field(default_factory=dict)

    _utc_timestamp = field_validator("timestamp")(_as_utc)


class Outcome(_Record):
    """What the conversation achieved: a sale, a deal, a donation — or not."""

    converted: bool | None = None
    value: float | None = None
    notes: str | None = None


class Conversation(_Record):
    """A conversation between a customer and an agent, bot or brand."""

    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    channel: str = "chat"
    started_at: datetime | None = None
    turns: tuple[Turn, ...] = ()
    metadata: dict[str, JsonValue] = Field(default_factory=dict)
    outcome: Outcome | None = None
    labels: dict[str, JsonValue] = Field(default_factory=dict)

    _utc_started_at = field_validator("started_at")(_as_utc)

    @field_validator("turns")
    @classmethod
    def _consecutive_indices(cls, turns: tuple[Turn, ...]) -> tuple[Turn, ...]:
        for position, turn in enumerate(turns):
            if turn.index != position:
                raise ValueError(
                    f"turn indices must be 0..{len(turns) - 1} in order; "
                    f"position {position} has index {turn.index}"
                )
        return turns

    @property
    def content_hash(self) -> str:
        """SHA-256 of a canonical JSON rendering of every field (id included).

        Key order, float formatting and timezone spelling do not change it; any change
        to an id, a text, a label or a metadata value does.
        """
        turns = [
            (
                t.index,
                t.speaker.value,
                t.speaker_id,
                t.text,
                t.timestamp,
                t.intent,
                [(a.act, a.slot, a.values) for a in t.dialogue_acts],
                t.extra,
            )
            for t in self.turns
        ]
        outcome = self.outcome
        payload = (
            self.id,
            self.source,
            self.channel,
            self.started_at,
            turns,
            self.metadata,
            (outcome.converted, outcome.value, outcome.notes) if outcome is not None else None,
            self.labels,
        )
        return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()

    def customer_turns(self) -> tuple[Turn, ...]:
        """The turns the customer said."""
        return tuple(t for t in self.turns if t.speaker is Speaker.CUSTOMER)
