"""Which column of a table holds which part of a conversation, and the ``--map`` spec.

A :class:`ColumnMapping` is what lets one loader read any team's export: it names the
columns, and :meth:`ColumnMapping.from_pairs` reads it from ``FIELD=COLUMN`` strings as the
CLI's ``--map`` option gives them. A mistake there is reported as one line naming the
``--map`` entry and what it should look like, never as a validation dump.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from colloquy.data.loaders.tabular.cells import normalise_speaker, role_of
from colloquy.errors import UsageError
from colloquy.schema import Speaker

DEFAULT_SPEAKER_MAP: Mapping[str, Speaker] = MappingProxyType(
    {
        **dict.fromkeys(
            ("customer", "user", "client", "caller", "visitor", "consumer", "human", "inbound"),
            Speaker.CUSTOMER,
        ),
        **dict.fromkeys(
            (
                "agent",
                "rep",
                "representative",
                "support",
                "assistant",
                "staff",
                "operator",
                "advisor",
                "sales",
                "outbound",
            ),
            Speaker.AGENT,
        ),
        **dict.fromkeys(("bot", "chatbot", "virtual agent", "virtual_agent"), Speaker.BOT),
        **dict.fromkeys(("system", "sys", "event"), Speaker.SYSTEM),
    }
)
"""Raw speaker values (lower case) every tabular source accepts without configuration."""

_LIST_FIELDS = frozenset({"labels", "metadata"})
_SPEAKER_PREFIX = "speaker."


class ColumnMapping(BaseModel):
    """Which column of a table holds which part of a conversation.

    Every named column must exist in the source; only ``text`` is always required.
    ``speaker_map`` extends :data:`DEFAULT_SPEAKER_MAP` (its entries win), keys compared
    case-insensitively.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = "text"
    conversation_id: str | None = None
    turn_order: str | None = None
    speaker: str | None = None
    speaker_id: str | None = None
    timestamp: str | None = None
    intent: str | None = None
    labels: tuple[str, ...] = ()
    metadata: tuple[str, ...] = ()
    outcome: str | None = None
    speaker_map: dict[str, Speaker] = Field(default_factory=dict)
    channel: str = "chat"
    source: str | None = None
    """``Conversation.source``; the loader's name (``csv``, ``sql`` …) when unset."""

    @field_validator("speaker_map")
    @classmethod
    def _normalise_keys(cls, value: dict[str, Speaker]) -> dict[str, Speaker]:
        return {normalise_speaker(key): role for key, role in value.items()}

    @model_validator(mode="after")
    def _consistent(self) -> ColumnMapping:
        if self.turn_order is not None and self.conversation_id is None:
            raise ValueError("turn_order needs conversation_id: single-turn rows have no order")
        for name in self.columns():
            if not name.strip():
                raise ValueError("column names must not be empty")
        return self

    @property
    def single_turn(self) -> bool:
        """True when every row is its own one-turn conversation."""
        return self.conversation_id is None

    @property
    def roles(self) -> dict[str, Speaker]:
        """The effective raw-value → role table."""
        return {**DEFAULT_SPEAKER_MAP, **self.speaker_map}

    def columns(self) -> list[str]:
        """Every column this mapping reads, each once, in a stable order."""
        named = [
            self.conversation_id,
            self.turn_order,
            self.speaker,
            self.speaker_id,
            self.text,
            self.timestamp,
            self.intent,
            *self.labels,
            *self.metadata,
            self.outcome,
        ]
        return list(dict.fromkeys(name for name in named if name is not None))

    def role_for(self, raw: object) -> Speaker:
        """The role of a raw speaker value; ``ValueError`` naming the valid values."""
        return role_of(raw, self.roles)

    @classmethod
    def from_pairs(cls, pairs: Iterable[str]) -> ColumnMapping:
        """Build from ``FIELD=COLUMN`` strings (CLI ``--map``); list fields take ``a,b``.

        ``speaker_map`` entries are written ``speaker.RAW=ROLE``. Every mistake is a
        one-line :class:`~colloquy.errors.UsageError` naming the entry.
        """
        data: dict[str, Any] = {}
        roles: dict[str, Speaker] = {}
        for pair in pairs:
            key, value = _split_pair(pair)
            if key.startswith(_SPEAKER_PREFIX):
                raw = key.removeprefix(_SPEAKER_PREFIX)
                _check_new(pair, raw, roles)
                roles[raw] = _role(pair, value)
                continue
            _check_field(pair, key)
            _check_new(pair, key, data)
            data[key] = _columns(pair, key, value) if key in _LIST_FIELDS else value
        if roles:
            data["speaker_map"] = roles
        if "turn_order" in data and "conversation_id" not in data:
            raise UsageError(
                f"--map 'turn_order={data['turn_order']}' needs a conversation_id: "
                "single-turn rows have no order",
                hint="add --map conversation_id=COLUMN",
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise UsageError(f"invalid --map: {_first_error(exc)}", hint=_FIELDS_HINT) from None


def _mapping_fields() -> list[str]:
    return sorted(name for name in ColumnMapping.model_fields if name != "speaker_map")


_FIELDS_HINT = f"fields: {', '.join(_mapping_fields())}, and speaker.RAW=ROLE"


def _split_pair(pair: str) -> tuple[str, str]:
    key, sep, value = pair.partition("=")
    key, value = key.strip(), value.strip()
    if not sep or not key:
        raise UsageError(
            f"--map {pair!r} is not FIELD=COLUMN", hint="e.g. --map text=message; " + _FIELDS_HINT
        )
    if not value:
        raise UsageError(f"--map {pair!r} names no column", hint=f"write {key}=COLUMN")
    return key, value


def _check_field(pair: str, key: str) -> None:
    if key == "speaker_map":
        raise UsageError(f"--map {pair!r}: write speaker roles one by one as speaker.RAW=ROLE")
    if key not in ColumnMapping.model_fields:
        raise UsageError(f"--map {pair!r}: unknown field {key!r}", hint=_FIELDS_HINT)


def _check_new(pair: str, key: str, given: Mapping[str, object]) -> None:
    if key in given:
        raise UsageError(f"--map {pair!r}: {key!r} is mapped twice", hint="map each field once")


def _role(pair: str, value: str) -> Speaker:
    try:
        return Speaker(value.strip().lower())
    except ValueError:
        roles = ", ".join(role.value for role in Speaker)
        raise UsageError(
            f"--map {pair!r}: unknown role {value!r}", hint=f"use one of {roles}"
        ) from None


def _columns(pair: str, key: str, value: str) -> tuple[str, ...]:
    columns = tuple(v.strip() for v in value.split(",") if v.strip())
    if not columns:
        raise UsageError(f"--map {pair!r} names no column", hint=f"write {key}=COLUMN,COLUMN")
    return columns


def _first_error(exc: ValidationError) -> str:
    """The first validation problem as ``field: message``, without Pydantic's links."""
    error = exc.errors(include_url=False)[0]
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


__all__ = ["DEFAULT_SPEAKER_MAP", "ColumnMapping"]
