"""VADER: the zero-set-up sentiment model (a lexicon and rules, offline, no training).

VADER's compound polarity is cut into three labels at two thresholds; its authors' default
is ±0.05. :meth:`VaderSentiment.fit_thresholds` may choose other cuts, but only on the
labelled training data it is given, so a test set stays unseen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from colloquy.analytics.sentiment.base import (
    SentimentLabel,
    SentimentModel,
    SentimentScore,
)
from colloquy.analytics.sentiment.evaluation import score_predictions
from colloquy.errors import UsageError

DEFAULT_THRESHOLD = 0.05
_GRID = tuple(round(0.05 * i, 2) for i in range(0, 13))


class VaderSentiment(SentimentModel):
    """VADER with ``compound <= -lower`` negative, ``>= upper`` positive, neutral between."""

    def __init__(self, lower: float = DEFAULT_THRESHOLD, upper: float = DEFAULT_THRESHOLD) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        if not (0.0 <= lower <= 1.0 and 0.0 <= upper <= 1.0):
            raise UsageError(f"VADER thresholds must lie in [0, 1], got {lower} and {upper}")
        self.lower = lower
        self.upper = upper
        self._analyzer = SentimentIntensityAnalyzer()

    def polarity(self, texts: Sequence[str]) -> np.ndarray:
        """VADER's ``neg``, ``neu``, ``pos`` and ``compound`` per text, shape ``(n, 4)``."""
        rows = [self._analyzer.polarity_scores(str(text)) for text in texts]
        return np.asarray(
            [[r["neg"], r["neu"], r["pos"], r["compound"]] for r in rows], dtype=np.float64
        ).reshape(len(rows), 4)

    def predict(self, texts: Sequence[str]) -> list[SentimentScore]:
        return [
            SentimentScore(
                label=_cut(compound, self.lower, self.upper),
                negative=float(neg),
                neutral=float(neu),
                positive=float(pos),
                compound=float(compound),
            )
            for neg, neu, pos, compound in self.polarity(texts)
        ]

    @classmethod
    def fit_thresholds(
        cls, texts: Sequence[str], labels: Sequence[SentimentLabel]
    ) -> VaderSentiment:
        """VADER with the (lower, upper) cuts of a 0.05 grid that maximise macro recall on
        ``texts``; ties keep the smaller cuts (closest to the authors' default)."""
        model = cls()
        compound = model.polarity(texts)[:, 3]
        truth = list(labels)
        best = (-1.0, DEFAULT_THRESHOLD, DEFAULT_THRESHOLD)
        for lower in _GRID:
            for upper in _GRID:
                predicted = [_cut(float(c), lower, upper) for c in compound]
                score = _macro_recall(truth, predicted)
                if score > best[0] + 1e-12:
                    best = (score, lower, upper)
        return cls(best[1], best[2])


def _cut(compound: float, lower: float, upper: float) -> SentimentLabel:
    if compound >= upper and compound > 0:
        return "positive"
    if compound <= -lower and compound < 0:
        return "negative"
    return "neutral"


def _macro_recall(truth: Sequence[SentimentLabel], predicted: Sequence[SentimentLabel]) -> float:
    return score_predictions(truth, predicted, model="vader").macro_recall
