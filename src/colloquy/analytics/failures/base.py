"""The failure-detector seam: annotated detectors read the whole record, text-only ones do not.

A text-only detector must work on users' own transcripts, which carry no dialogue acts;
:class:`TextFailureDetector` enforces that by handing its subclasses :class:`TextTurn`
views (speaker and text only), so a score measured on annotated data is not propped up
by the annotations it hides.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from colloquy.analytics.failures.records import FailurePoint, FailureType, TextTurn
from colloquy.schema import Conversation


class FailureDetector(ABC):
    """Finds failure points of one type in a conversation."""

    failure_type: FailureType
    name: str

    @abstractmethod
    def detect(self, conversation: Conversation) -> tuple[FailurePoint, ...]:
        """The failure points of ``conversation``, in turn order."""


def text_turns(conversation: Conversation) -> tuple[TextTurn, ...]:
    """The speaker-and-text view of the conversation's non-empty turns."""
    return tuple(
        TextTurn(index=turn.index, speaker=turn.speaker, text=turn.text)
        for turn in conversation.turns
        if turn.text.strip()
    )


class TextFailureDetector(FailureDetector):
    """A detector that sees only who spoke and what they said."""

    def detect(self, conversation: Conversation) -> tuple[FailurePoint, ...]:
        return self.detect_text(text_turns(conversation))

    @abstractmethod
    def detect_text(self, turns: Sequence[TextTurn]) -> tuple[FailurePoint, ...]:
        """The failure points of a conversation given as text turns."""

    def point(self, turn: TextTurn, confidence: float) -> FailurePoint:
        """A failure point at ``turn`` with its text as the example."""
        return FailurePoint(
            type=self.failure_type,
            turn_index=turn.index,
            confidence=min(1.0, max(0.0, confidence)),
            example=turn.text,
            detector=self.name,
        )
