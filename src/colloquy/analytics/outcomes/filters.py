"""Which conversations an outcome metric covers: date range, channel, source, brand, intent,
speaker.

Only fields the records carry can be filtered: the date is ``started_at`` (or the first
turn's timestamp), the brand is ``metadata["brand"]`` (Twitter threads), the intent is the
conversation's intent as :mod:`colloquy.analytics.outcomes.intents` resolves it, and a
speaker matches a conversation with a non-empty turn by that speaker. Values given for the
same key are alternatives; different keys must all hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from colloquy.errors import UsageError
from colloquy.schema import Conversation, Speaker

FILTER_KEYS = ("from", "to", "channel", "source", "brand", "intent", "speaker")
"""The keys ``KEY=VALUE`` filters accept."""


def conversation_day(conversation: Conversation) -> date | None:
    """The UTC day a conversation started: ``started_at``, else its first turn timestamp."""
    if conversation.started_at is not None:
        return conversation.started_at.date()
    for turn in conversation.turns:
        if turn.timestamp is not None:
            return turn.timestamp.date()
    return None


def conversation_brand(conversation: Conversation) -> str | None:
    """The brand a conversation is with (``metadata["brand"]``), if the source records one."""
    brand = conversation.metadata.get("brand")
    return brand if isinstance(brand, str) else None


@dataclass(frozen=True, slots=True)
class ConversationFilter:
    """A conjunction of criteria; an empty criterion lets every conversation through.

    ``start`` and ``end`` are inclusive UTC days; when either is set, conversations
    without a date are left out (their date is unknown, not inside the range).
    """

    start: date | None = None
    end: date | None = None
    channels: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    brands: frozenset[str] = frozenset()
    intents: frozenset[str] = frozenset()
    speakers: frozenset[Speaker] = frozenset()

    def __post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.start > self.end:
            raise UsageError(
                f"filter date range is empty: from {self.start} is after to {self.end}; swap them"
            )

    @property
    def filters_intent(self) -> bool:
        return bool(self.intents)

    def matches_record(self, conversation: Conversation) -> bool:
        """Every criterion except intent, which may need a model to resolve."""
        if self.start is not None or self.end is not None:
            day = conversation_day(conversation)
            if day is None:
                return False
            if self.start is not None and day < self.start:
                return False
            if self.end is not None and day > self.end:
                return False
        if self.channels and conversation.channel not in self.channels:
            return False
        if self.sources and conversation.source not in self.sources:
            return False
        if self.brands and conversation_brand(conversation) not in self.brands:
            return False
        return not self.speakers or any(
            turn.speaker in self.speakers and turn.text.strip() for turn in conversation.turns
        )

    def matches_intent(self, intent: str | None) -> bool:
        """Whether a conversation with this resolved intent passes the intent criterion."""
        return not self.intents or intent in self.intents

    @classmethod
    def from_pairs(cls, pairs: Iterable[str]) -> ConversationFilter:
        """A filter from ``KEY=VALUE`` strings (the CLI's ``--filter``); bad keys are refused."""
        values: dict[str, set[str]] = {key: set() for key in FILTER_KEYS}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            key, value = key.strip().lower(), value.strip()
            if not sep or not value:
                raise UsageError(f"filter {pair!r} is not KEY=VALUE; e.g. channel=twitter")
            if key not in values:
                raise UsageError(
                    f"unknown filter key {key!r} in {pair!r}; use one of: {', '.join(FILTER_KEYS)}"
                )
            values[key].add(value)
        return cls(
            start=_one_day(values["from"], "from"),
            end=_one_day(values["to"], "to"),
            channels=frozenset(values["channel"]),
            sources=frozenset(values["source"]),
            brands=frozenset(values["brand"]),
            intents=frozenset(values["intent"]),
            speakers=frozenset(_speaker(value) for value in values["speaker"]),
        )


def _one_day(values: set[str], key: str) -> date | None:
    if not values:
        return None
    if len(values) > 1:
        raise UsageError(f"filter key {key!r} given {len(values)} times; give one date")
    (value,) = values
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"filter {key}={value!r} is not a date; use YYYY-MM-DD") from None


def _speaker(value: str) -> Speaker:
    try:
        return Speaker(value)
    except ValueError:
        names = ", ".join(member.value for member in Speaker)
        raise UsageError(
            f"filter speaker={value!r} is not a speaker; use one of: {names}"
        ) from None
