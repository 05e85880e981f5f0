"""Accuracy without labels: the confidence-based estimate (CBPE, as in NannyML).

If the model's probabilities are calibrated, the chance its top answer is right *is* its
top probability, so the mean top probability estimates accuracy on traffic nobody has
labelled yet. The estimate is only as good as the calibration, so when labels do arrive
:func:`check_estimate` reports how far off it was.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from colloquy.errors import DataError


@dataclass(frozen=True, slots=True)
class AccuracyEstimate:
    """Expected accuracy with a normal-approximation 95 % band (sum of Bernoullis)."""

    expected_accuracy: float
    low: float
    high: float
    rows: int


@dataclass(frozen=True, slots=True)
class EstimateCheck:
    """The estimate beside the accuracy the labels revealed."""

    estimate: AccuracyEstimate
    realized_accuracy: float
    error: float
    within_band: bool


def expected_accuracy(top_probabilities: Sequence[float]) -> AccuracyEstimate:
    """Mean calibrated top-class probability, with its sampling band."""
    p = np.asarray(top_probabilities, dtype=np.float64)
    if p.size == 0:
        raise DataError(
            "no predictions to estimate accuracy from",
            hint="pick a window with predictions in it",
        )
    if np.any((p < 0) | (p > 1)):
        raise DataError(
            "top probabilities must lie in [0, 1]",
            hint="pass calibrated probabilities, not logits or scores",
        )
    mean = float(p.mean())
    sd = math.sqrt(float(np.sum(p * (1 - p)))) / p.size
    return AccuracyEstimate(mean, max(0.0, mean - 1.96 * sd), min(1.0, mean + 1.96 * sd), p.size)


def check_estimate(
    top_probabilities: Sequence[float], predicted: Sequence[str], actual: Sequence[str]
) -> EstimateCheck:
    """How the label-free estimate compares with the accuracy the labels show."""
    if len(predicted) != len(actual) or len(predicted) != len(top_probabilities):
        raise DataError(
            f"{len(top_probabilities)} probabilities, {len(predicted)} predictions and "
            f"{len(actual)} labels: they must line up row by row",
            hint="join the labels to the predictions by conversation id first",
        )
    estimate = expected_accuracy(top_probabilities)
    realized = float(np.mean([p == a for p, a in zip(predicted, actual, strict=True)]))
    return EstimateCheck(
        estimate=estimate,
        realized_accuracy=realized,
        error=estimate.expected_accuracy - realized,
        within_band=estimate.low <= realized <= estimate.high,
    )
