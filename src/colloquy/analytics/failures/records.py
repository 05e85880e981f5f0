"""The records every failure detector returns: one moment where a conversation went wrong.

Detectors differ in what they read (dialogue acts, embeddings, plain text) but agree on
what they report, so a dataset view can rank failures of every kind side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from colloquy.errors import UsageError
from colloquy.schema import Speaker


class FailureType(StrEnum):
    """The kinds of failure point colloquy detects."""

    GOAL_NOT_COMPLETED = "goal_not_completed"
    REPETITION = "repetition"
    ESCALATION = "escalation"
    ABANDONMENT = "abandonment"
    LOOP = "loop"
    CORRECTION = "correction"
    SENTIMENT_DROP = "sentiment_drop"


@dataclass(frozen=True, slots=True)
class FailurePoint:
    """One failure: its kind, the turn where it shows, how sure the detector is, an example.

    ``example`` is the text of the turn at ``turn_index`` so that a report can show the
    moment without going back to the conversation.
    """

    type: FailureType
    turn_index: int
    confidence: float
    example: str
    detector: str

    def __post_init__(self) -> None:
        if self.turn_index < 0:
            raise UsageError(f"turn_index must be >= 0, got {self.turn_index}")
        if not 0.0 <= self.confidence <= 1.0:
            raise UsageError(f"confidence must be within [0, 1], got {self.confidence}")


@dataclass(frozen=True, slots=True)
class TextTurn:
    """What a text-only detector may see of a turn: who spoke and what they said.

    Text-only detectors receive these instead of :class:`colloquy.schema.Turn`, so they
    cannot read dialogue acts, frames or intents even by accident.
    """

    index: int
    speaker: Speaker
    text: str

    @property
    def is_customer(self) -> bool:
        return self.speaker is Speaker.CUSTOMER


@dataclass(frozen=True, slots=True)
class ConversationFailures:
    """The failure points found in one conversation."""

    conversation_id: str
    points: tuple[FailurePoint, ...]

    def has(self, kind: FailureType) -> bool:
        return any(point.type is kind for point in self.points)


@dataclass(frozen=True, slots=True)
class FailureRank:
    """One failure type across a dataset: how many points, in how many conversations."""

    type: FailureType
    points: int
    conversations: int
    share: float
    """Fraction of all analysed conversations with at least one failure of this type."""
    example: str


@dataclass(frozen=True, slots=True)
class FailureRanking:
    """Failure types of a dataset, most frequent (by conversations affected) first."""

    conversations: int
    ranks: tuple[FailureRank, ...]
