"""Failure points: where conversations go wrong, with and without annotations.

Annotated detection reads dialogue acts (SGD's ``NOTIFY_FAILURE`` / ``NOTIFY_SUCCESS``);
text-only detectors see only speakers and words, so they run on users' own transcripts:
goal not completed, the customer repeating themselves, asking for a human, abandoning
after an agent question, loops, corrections and sharp drops in the customer's sentiment
(:class:`SentimentDropDetector`, which needs a sentiment model). :func:`rank_failures`
orders failure types by how many conversations they affect;
:mod:`colloquy.analytics.failures.association` by their association with bad outcomes.
"""

from __future__ import annotations

from colloquy.analytics.failures.abandonment import AbandonmentDetector
from colloquy.analytics.failures.base import FailureDetector, TextFailureDetector, text_turns
from colloquy.analytics.failures.corrections import CorrectionDetector
from colloquy.analytics.failures.escalation import EscalationDetector
from colloquy.analytics.failures.evaluation import (
    DetectionScore,
    TunedGoalDetector,
    score_detector,
    split_halves,
    tune_goal_detector,
)
from colloquy.analytics.failures.goal_annotated import AnnotatedGoalDetector, goal_not_completed
from colloquy.analytics.failures.goal_text import TextGoalDetector
from colloquy.analytics.failures.loops import LoopDetector
from colloquy.analytics.failures.ranking import detect_failures, rank_failures
from colloquy.analytics.failures.records import (
    ConversationFailures,
    FailurePoint,
    FailureRank,
    FailureRanking,
    FailureType,
    TextTurn,
)
from colloquy.analytics.failures.repetition import RepetitionDetector
from colloquy.analytics.failures.sentiment_drop import SentimentDropDetector, sentiment_drops
from colloquy.features.embeddings.base import Embedder


def text_only_detectors(embedder: Embedder | None = None) -> tuple[FailureDetector, ...]:
    """Every text-only detector with its default thresholds (repetition needs an embedder)."""
    detectors: list[FailureDetector] = [
        TextGoalDetector(),
        EscalationDetector(),
        AbandonmentDetector(),
        LoopDetector(),
        CorrectionDetector(),
    ]
    if embedder is not None:
        detectors.insert(1, RepetitionDetector(embedder))
    return tuple(detectors)


__all__ = [
    "AbandonmentDetector",
    "AnnotatedGoalDetector",
    "ConversationFailures",
    "CorrectionDetector",
    "DetectionScore",
    "EscalationDetector",
    "FailureDetector",
    "FailurePoint",
    "FailureRank",
    "FailureRanking",
    "FailureType",
    "LoopDetector",
    "RepetitionDetector",
    "SentimentDropDetector",
    "TextFailureDetector",
    "TextGoalDetector",
    "TextTurn",
    "TunedGoalDetector",
    "detect_failures",
    "goal_not_completed",
    "rank_failures",
    "score_detector",
    "sentiment_drops",
    "split_halves",
    "text_only_detectors",
    "text_turns",
    "tune_goal_detector",
]
