"""The hybrid intent classifier: the trained model answers when confident, the LLM below.

An LLM call costs seconds on a CPU; the trained classifier costs milliseconds and is
right most of the time when it is confident. So the LLM only sees the texts whose best
trained probability falls below ``threshold``. The threshold is chosen on validation data
only (never the test set): every candidate threshold routes the validation texts, and the
one with the best accuracy wins, the lowest on a tie (fewer LLM calls for the same score).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Self

import numpy as np

from colloquy.errors import DataError, UsageError
from colloquy.llm.fewshot import LLMIntentClassifier
from colloquy.models.intent import IntentClassifier

THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(21))


@dataclass(frozen=True, slots=True)
class ThresholdChoice:
    """The chosen threshold, its validation accuracy and LLM share, and every one tried."""

    threshold: float
    accuracy: float
    llm_share: float
    tried: tuple[tuple[float, float, float], ...]
    """(threshold, validation accuracy, share of texts sent to the LLM)."""


def choose_threshold(
    confidence: np.ndarray,
    trained: Sequence[str],
    llm: Sequence[str],
    truth: Sequence[str],
    grid: Sequence[float] = THRESHOLDS,
) -> ThresholdChoice:
    """The grid threshold with the best routed accuracy on ``truth`` (lowest on a tie)."""
    if not len(truth):
        raise DataError("no validation texts to choose the hybrid threshold on")
    gold = np.asarray(truth, dtype=object)
    mine = np.asarray(trained, dtype=object) == gold
    theirs = np.asarray(llm, dtype=object) == gold
    tried = []
    for threshold in sorted(grid):
        routed = confidence < threshold
        accuracy = float(np.mean(np.where(routed, theirs, mine)))
        tried.append((float(threshold), accuracy, float(np.mean(routed))))
    best = max(tried, key=lambda row: (row[1], -row[0]))
    return ThresholdChoice(best[0], best[1], best[2], tuple(tried))


class HybridIntentClassifier:
    """``base`` answers where its confidence ≥ ``threshold_``; ``llm`` answers the rest."""

    def __init__(
        self,
        base: IntentClassifier,
        llm: LLMIntentClassifier,
        *,
        threshold: float | Literal["auto"] = "auto",
    ) -> None:
        if threshold != "auto" and not 0.0 <= threshold <= 1.0:
            raise UsageError(f"threshold must be in [0, 1] or 'auto', got {threshold!r}")
        self.base = base
        self.llm = llm
        self.threshold = threshold

    def fit(
        self,
        texts: Iterable[str],
        labels: Iterable[str],
        *,
        validation: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> Self:
        """Fit both models on the same examples; choose the threshold on ``validation``."""
        texts_, labels_ = list(texts), list(labels)
        self.base.fit(texts_, labels_)
        self.llm.fit(texts_, labels_)
        self.classes_ = self.base.classes_
        if self.threshold != "auto":
            self.threshold_ = float(self.threshold)
            self.choice_: ThresholdChoice | None = None
            return self
        if validation is None or not len(validation[0]):
            raise UsageError(
                "threshold='auto' needs validation texts",
                hint="pass validation=(texts, labels) held out from training, or a fixed threshold",
            )
        return self.tune(*validation)

    def tune(self, texts: Sequence[str], labels: Sequence[str]) -> Self:
        """Choose :attr:`threshold_` on held-out ``texts`` (both models already fitted)."""
        proba = self.base.predict_proba(texts)
        self.choice_ = choose_threshold(
            proba.max(axis=1), list(self.base.decide(proba)), list(self.llm.predict(texts)), labels
        )
        self.threshold_ = self.choice_.threshold
        self.classes_ = self.base.classes_
        return self

    def route(self, texts: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """Predicted labels and a mask of the rows the LLM answered."""
        if not hasattr(self, "threshold_"):
            raise UsageError("this HybridIntentClassifier is not fitted yet; call fit() first")
        items = list(texts)
        proba = self.base.predict_proba(items)
        labels = self.base.decide(proba)
        routed = proba.max(axis=1) < self.threshold_ if len(items) else np.zeros(0, bool)
        asked = [t for t, r in zip(items, routed, strict=True) if r]
        if asked:
            labels[routed] = self.llm.predict(asked)
        return np.asarray(labels, dtype=object), routed

    def predict(self, texts: Iterable[str]) -> np.ndarray:
        """The intent per text, from the trained model or (below the threshold) the LLM."""
        return self.route(texts)[0]


__all__ = ["THRESHOLDS", "HybridIntentClassifier", "ThresholdChoice", "choose_threshold"]
