"""Scoring a conversation-level detector against ground truth, and fitting its thresholds.

Used to measure the text-only goal detector on SGD: the truth comes from the acts
(:func:`~colloquy.analytics.failures.goal_annotated.goal_not_completed`), the detector
sees text only, thresholds are chosen on one half and the other half is scored once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from colloquy.analytics.failures.base import FailureDetector
from colloquy.analytics.failures.goal_text import TextGoalDetector
from colloquy.errors import UsageError
from colloquy.schema import Conversation


@dataclass(frozen=True, slots=True)
class DetectionScore:
    """Conversation-level precision, recall and F1 of a detector against the truth."""

    n: int
    positives: int
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass(frozen=True, slots=True)
class TunedGoalDetector:
    """The thresholds chosen on the training half and the score they reached there."""

    failure_threshold: float
    success_threshold: float
    train: DetectionScore


def score_detector(
    detector: FailureDetector,
    conversations: Sequence[Conversation],
    truth: Callable[[Conversation], bool],
) -> DetectionScore:
    """Compare "the detector found a failure" with ``truth`` for every conversation."""
    tp = fp = fn = positives = 0
    for conversation in conversations:
        actual = truth(conversation)
        found = bool(detector.detect(conversation))
        positives += actual
        tp += actual and found
        fp += found and not actual
        fn += actual and not found
    return DetectionScore(
        n=len(conversations),
        positives=positives,
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
    )


def split_halves(
    conversations: Sequence[Conversation],
) -> tuple[list[Conversation], list[Conversation]]:
    """A stable train / test split by a hash of the conversation id (same on every run)."""
    train: list[Conversation] = []
    test: list[Conversation] = []
    for conversation in conversations:
        digest = hashlib.sha256(conversation.id.encode("utf-8")).digest()
        (train if digest[0] % 2 == 0 else test).append(conversation)
    return train, test


def tune_goal_detector(
    train: Sequence[Conversation],
    truth: Callable[[Conversation], bool],
    grid: Sequence[float] = (0.5, 1.0, 1.5, 2.0),
) -> TunedGoalDetector:
    """The failure and success thresholds with the best F1 on ``train`` (ties: first)."""
    if not train:
        raise UsageError("cannot tune the goal detector on no conversations")
    best: TunedGoalDetector | None = None
    for failure in grid:
        for success in grid:
            score = score_detector(TextGoalDetector(failure, success), train, truth)
            if best is None or score.f1 > best.train.f1:
                best = TunedGoalDetector(failure, success, score)
    if best is None:
        raise UsageError("the threshold grid is empty; give at least one threshold")
    return best
