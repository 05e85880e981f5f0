""" "That's not what I asked": the customer correcting the agent, from their words."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from colloquy.analytics.failures.base import TextFailureDetector
from colloquy.analytics.failures.cues import CORRECTION_CUES, cue_score
from colloquy.analytics.failures.records import FailurePoint, FailureType, TextTurn

DEFAULT_THRESHOLD = 1.0


class CorrectionDetector(TextFailureDetector):
    """Flags customer turns, right after an agent turn, that say the agent got it wrong."""

    failure_type = FailureType.CORRECTION
    name = "correction-text"

    def __init__(self, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold

    def detect_text(self, turns: Sequence[TextTurn]) -> tuple[FailurePoint, ...]:
        points = []
        for previous, turn in itertools.pairwise(turns):
            if not turn.is_customer or previous.is_customer:
                continue
            score = cue_score(turn.text, CORRECTION_CUES)
            if score >= self.threshold:
                points.append(self.point(turn, score / (score + 0.5)))
        return tuple(points)
