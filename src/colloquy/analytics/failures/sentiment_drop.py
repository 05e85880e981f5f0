"""Sharp sentiment drops: the customer's mood falls steeply from one message to the next.

A conversation often turns on one agent answer; the customer's next message shows it. A
drop is the fall in compound polarity (in [-1, 1]) between two consecutive customer
turns, flagged when it reaches ``threshold`` and lands on a negative message (a fall from
delighted to merely pleased is not a failure). Confidence grows with the size of the fall.

:func:`sentiment_drops` works on scores already computed (the analysis engine scores every
turn once and reuses the scores here); :class:`SentimentDropDetector` scores the
conversation itself for standalone use. Sentiment models here read English, so callers
skip non-English conversations.
"""

from __future__ import annotations

from collections.abc import Sequence

from colloquy.analytics.failures.base import FailureDetector
from colloquy.analytics.failures.records import FailurePoint, FailureType
from colloquy.analytics.sentiment.base import SentimentModel, SentimentScore
from colloquy.analytics.sentiment.trajectory import scored_turns
from colloquy.errors import UsageError
from colloquy.schema import Conversation, Speaker, Turn

DEFAULT_THRESHOLD = 0.5
NEGATIVE_BELOW = -0.05
"""A message counts as negative at or below this compound (VADER's authors' cut)."""

DETECTOR_NAME = "sentiment-drop"


def sentiment_drops(
    turns: Sequence[Turn],
    scores: Sequence[SentimentScore],
    *,
    threshold: float = DEFAULT_THRESHOLD,
) -> tuple[FailurePoint, ...]:
    """One failure point per sharp drop between consecutive customer turns of ``turns``.

    ``scores[i]`` is the score of ``turns[i]``; the point sits on the later turn and
    shows its text. Confidence is ``min(1, drop)`` (a drop of 1 or more is certain).
    """
    if not 0.0 < threshold <= 2.0:
        raise UsageError(f"the sentiment drop threshold must be within (0, 2], got {threshold}")
    if len(turns) != len(scores):
        raise UsageError(f"{len(scores)} sentiment scores for {len(turns)} turns")
    points: list[FailurePoint] = []
    previous: float | None = None
    for turn, score in zip(turns, scores, strict=True):
        if turn.speaker is not Speaker.CUSTOMER:
            continue
        current = score.compound
        if previous is not None:
            drop = previous - current
            if drop >= threshold and current <= NEGATIVE_BELOW:
                points.append(
                    FailurePoint(
                        type=FailureType.SENTIMENT_DROP,
                        turn_index=turn.index,
                        confidence=min(1.0, drop),
                        example=turn.text,
                        detector=DETECTOR_NAME,
                    )
                )
        previous = current
    return tuple(points)


class SentimentDropDetector(FailureDetector):
    """Scores the customer's turns with ``model`` and flags sharp drops."""

    failure_type = FailureType.SENTIMENT_DROP
    name = DETECTOR_NAME

    def __init__(self, model: SentimentModel, threshold: float = DEFAULT_THRESHOLD) -> None:
        if not 0.0 < threshold <= 2.0:
            raise UsageError(f"the sentiment drop threshold must be within (0, 2], got {threshold}")
        self.model = model
        self.threshold = threshold

    def detect(self, conversation: Conversation) -> tuple[FailurePoint, ...]:
        turns = [t for t in scored_turns(conversation) if t.speaker is Speaker.CUSTOMER]
        scores = self.model.predict([t.text for t in turns]) if turns else []
        return sentiment_drops(turns, scores, threshold=self.threshold)
