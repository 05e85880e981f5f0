"""Requests for a human or an escalation, from the customer's words."""

from __future__ import annotations

from collections.abc import Sequence

from colloquy.analytics.failures.base import TextFailureDetector
from colloquy.analytics.failures.cues import HUMAN_REQUEST_CUES, cue_score
from colloquy.analytics.failures.records import FailurePoint, FailureType, TextTurn

DEFAULT_THRESHOLD = 1.0


class EscalationDetector(TextFailureDetector):
    """Flags each customer turn asking for a person, a manager or an escalation."""

    failure_type = FailureType.ESCALATION
    name = "escalation-text"

    def __init__(self, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold

    def detect_text(self, turns: Sequence[TextTurn]) -> tuple[FailurePoint, ...]:
        points = []
        for turn in turns:
            if not turn.is_customer:
                continue
            score = cue_score(turn.text, HUMAN_REQUEST_CUES)
            if score >= self.threshold:
                points.append(self.point(turn, score / (score + 0.5)))
        return tuple(points)
