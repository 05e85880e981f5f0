"""Scoring a sentiment model against true labels: the numbers TweetEval reports.

Macro-averaged recall is TweetEval's official sentiment metric (it does not reward always
answering the majority class, unlike accuracy); macro-F1, accuracy and the recall of each
class sit beside it so a trade-off between classes stays visible.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from colloquy.analytics.sentiment.base import LABELS, SentimentLabel, SentimentModel


class SentimentEvaluation(BaseModel):
    """The scores of one model on one labelled set."""

    model_config = ConfigDict(frozen=True)

    model: str
    n: int
    macro_recall: float
    accuracy: float
    macro_f1: float
    recall: dict[str, float]
    """Recall of each class, keyed by label (classes absent from the data are left out)."""


def score_predictions(
    truth: Sequence[SentimentLabel], predicted: Sequence[SentimentLabel], *, model: str
) -> SentimentEvaluation:
    """Macro recall, accuracy, macro-F1 and per-class recall of ``predicted``."""
    true = np.asarray(truth, dtype=object)
    pred = np.asarray(predicted, dtype=object)
    recall: dict[str, float] = {}
    f1: list[float] = []
    for label in LABELS:
        actual = true == label
        if not actual.any():
            continue
        hits = float(np.sum(actual & (pred == label)))
        recall[label] = hits / float(actual.sum())
        chosen = float(np.sum(pred == label))
        precision = hits / chosen if chosen else 0.0
        both = precision + recall[label]
        f1.append(2 * precision * recall[label] / both if both else 0.0)
    n = len(true)
    return SentimentEvaluation(
        model=model,
        n=n,
        macro_recall=float(np.mean(list(recall.values()))) if recall else 0.0,
        accuracy=float(np.mean(true == pred)) if n else 0.0,
        macro_f1=float(np.mean(f1)) if f1 else 0.0,
        recall=recall,
    )


def evaluate_model(
    model: SentimentModel, texts: Sequence[str], labels: Sequence[SentimentLabel], *, name: str
) -> SentimentEvaluation:
    """Predict ``texts`` with ``model`` and score the labels against ``labels``."""
    predicted = [score.label for score in model.predict(texts)]
    return score_predictions(labels, predicted, model=name)
