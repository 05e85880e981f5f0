"""Loops: the agent saying (nearly) the same thing again, i.e. the same state revisited.

Without annotations a state shows through what the agent says in it; when an agent turn
shares most of its words with an earlier agent turn, the conversation went back to where it
was. Word-set overlap (Jaccard) is used so that no model is needed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from colloquy.analytics.failures.base import TextFailureDetector
from colloquy.analytics.failures.records import FailurePoint, FailureType, TextTurn
from colloquy.errors import UsageError

DEFAULT_OVERLAP = 0.8
DEFAULT_MIN_WORDS = 4
_WORD = re.compile(r"\w+")


def _words(text: str) -> frozenset[str]:
    return frozenset(word.lower() for word in _WORD.findall(text))


class LoopDetector(TextFailureDetector):
    """Flags an agent turn that repeats an earlier agent turn's words."""

    failure_type = FailureType.LOOP
    name = "loop-text"

    def __init__(self, overlap: float = DEFAULT_OVERLAP, min_words: int = DEFAULT_MIN_WORDS):
        if not 0.0 < overlap <= 1.0:
            raise UsageError(f"overlap must be within (0, 1], got {overlap}")
        self.overlap = overlap
        self.min_words = min_words

    def detect_text(self, turns: Sequence[TextTurn]) -> tuple[FailurePoint, ...]:
        seen: list[frozenset[str]] = []
        points = []
        for turn in turns:
            if turn.is_customer:
                continue
            words = _words(turn.text)
            if len(words) < self.min_words:
                continue
            best = max((len(words & old) / len(words | old) for old in seen), default=0.0)
            if best >= self.overlap:
                points.append(self.point(turn, best))
            seen.append(words)
        return tuple(points)
