"""Abandonment: the agent asked the customer something and the customer never answered.

Only the end of a conversation can show it: the last turn is the agent's, and it is a
question the customer needed to answer. A closing courtesy ("anything else I can help
with?") is not a question the customer had to answer, so those are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from colloquy.analytics.failures.base import TextFailureDetector
from colloquy.analytics.failures.records import FailurePoint, FailureType, TextTurn

_CLOSING = re.compile(
    r"\b(anything else|something else|help you with|else i can|else can i)\b", re.IGNORECASE
)


class AbandonmentDetector(TextFailureDetector):
    """Flags a conversation that ends on an unanswered agent question."""

    failure_type = FailureType.ABANDONMENT
    name = "abandonment-text"

    def detect_text(self, turns: Sequence[TextTurn]) -> tuple[FailurePoint, ...]:
        if not turns or turns[-1].is_customer:
            return ()
        last = turns[-1]
        if not any(turn.is_customer for turn in turns):
            return ()
        text = last.text.strip()
        if not text.endswith("?") or _CLOSING.search(text):
            return ()
        return (self.point(last, 0.9),)
