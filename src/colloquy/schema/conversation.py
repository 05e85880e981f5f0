"""The conversation records every layer of colloquy speaks.

Records are frozen Pydantic models: validated on construction, immutable afterwards, and
round-tripped losslessly through JSON (``to_json`` / ``from_json``). A conversation's
``content_hash`` is stable across processes and platforms, so storage can recognise a
conversation it has already seen and skip it.

Every record also fits every store: ids, sources, channels, speaker ids and intents have
the lengths of their columns, and no text, key or JSON value holds a NUL character, which
PostgreSQL refuses and SQLite would keep. A record that breaks a limit is a
:class:`SchemaError` naming the field, on any backend.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Self

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from colloquy.errors import SchemaError

JsonValue = Any
"""A value that survives ``json.dumps``: None, bool, int, float, str, list, dict."""

MAX_ID_LENGTH = 300
"""Longest conversation id (the store's ``external_id`` column)."""
MAX_SOURCE_LENGTH = 100
"""Longest source name."""
MAX_CHANNEL_LENGTH = 50
"""Longest channel name."""
MAX_NAME_LENGTH = 200
"""Longest speaker id, intent, dataset or split name."""

_NUL = "\x00"


def nul_problem(value: JsonValue) -> str | None:
    """Where in ``value`` (a string or JSON value, keys included) a NUL character sits."""
    if isinstance(value, str):
        return f"position {value.index(_NUL)}" if _NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _NUL in key:
                return f"key {key!r}"
            inner = nul_problem(item)
            if inner is not None:
                return f"[{key!r}] {inner}"
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            inner = nul_problem(item)
            if inner is not None:
                return f"[{index}] {inner}"
    return None


def _without_nul(value: Any) -> Any:
    if not value or (type(value) is str and _NUL not in value):
        return value
    problem = nul_problem(value)
    if problem is not None:
        raise PydanticCustomError(
            "nul_character",
            "holds a NUL character (\\x00) at {where}; no store accepts it, remove it",
            {"where": problem},
        )
    return value


NoNul = AfterValidator(_without_nul)
Id = Annotated[str, Field(min_length=1, max_length=MAX_ID_LENGTH), NoNul]
Source = Annotated[str, Field(min_length=1, max_length=MAX_SOURCE_LENGTH), NoNul]
Channel = Annotated[str, Field(max_length=MAX_CHANNEL_LENGTH), NoNul]
Name = Annotated[str, Field(max_length=MAX_NAME_LENGTH), NoNul]
Text = Annotated[str, NoNul]
JsonObject = Annotated[dict[str, JsonValue], NoNul]


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
        (".".join(str(p) for p in err["loc"]) or record, err["msg"], _short(err.get("input")))
        for err in exc.errors()
    ]
    return SchemaError(record, errors)


def _short(value: object, limit: int = 60) -> object:
    """A long string cut for a one-line message (a whole transcript is no help there)."""
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 1] + "…"
    return value


class DialogueAct(_Record):
    """One dialogue act in a turn, e.g. ``INFORM(date=2019-03-06)`` or ``OFFER(price=120)``."""

    act: Annotated[str, Field(min_length=1), NoNul]
    slot: Text | None = None
    values: Annotated[tuple[JsonValue, ...], NoNul] = ()


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
    text: Text
    speaker_id: Name | None = None
    timestamp: datetime | None = None
    intent: Name | None = None
    dialogue_acts: tuple[DialogueAct, ...] = ()
    extra: JsonObject = Field(default_factory=dict)

    _utc_timestamp = field_validator("timestamp")(_as_utc)


class Outcome(_Record):
    """What the conversation achieved: a sale, a deal, a donation — or not."""

    converted: bool | None = None
    value: float | None = None
    notes: Text | None = None


class Conversation(_Record):
    """A conversation between a customer and an agent, bot or brand."""

    id: Id
    source: Source
    channel: Channel = "chat"
    started_at: datetime | None = None
    turns: tuple[Turn, ...] = ()
    metadata: JsonObject = Field(default_factory=dict)
    outcome: Outcome | None = None
    labels: JsonObject = Field(default_factory=dict)

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


def check_limits(conversation: Conversation) -> None:
    """Re-check a conversation's lengths and NULs, as construction does.

    ``model_copy(update=…)`` skips validation, so a record rebuilt that way (cleaned,
    relabelled) can break a limit; the store calls this before writing one it suspects.
    """
    try:
        Conversation.model_validate(conversation.model_dump())
    except ValidationError as exc:
        raise _schema_error(f"conversation {_short(conversation.id)!r}", exc) from None
