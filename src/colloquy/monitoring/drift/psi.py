"""Population stability index, for numeric (reference-quantile bins) and categorical data."""

from __future__ import annotations

import numpy as np

from colloquy.monitoring.drift.base import (
    Direction,
    FloatArray,
    TestScore,
    aligned_proportions,
    shared_bins,
)

_FLOOR = 1e-4


def _psi(ref: FloatArray, cur: FloatArray) -> float:
    ref = np.clip(ref, _FLOOR, None)
    cur = np.clip(cur, _FLOOR, None)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


class PopulationStability:
    """Sum of (current - reference) * ln(current / reference) over bins or categories.

    The banking rule of thumb reads it as: below 0.1 stable, 0.1-0.25 moderate, above 0.25
    a shift; empty cells are floored at 1e-4 so one new category does not make it infinite.
    """

    name = "psi"
    direction: Direction = "distance"

    def __init__(self, bins: int = 10) -> None:
        self.bins = bins

    def score(self, reference: FloatArray, current: FloatArray) -> TestScore:
        ref, cur = shared_bins(reference, current, self.bins)
        value = _psi(ref, cur)
        return TestScore(statistic=value, p_value=None, effect=value)


class CategoricalPopulationStability:
    """The same index over categories instead of reference-quantile bins."""

    name = "psi"
    direction: Direction = "distance"

    def score(self, reference: dict[str, int], current: dict[str, int]) -> TestScore:
        ref, cur = aligned_proportions(reference, current)
        value = _psi(ref, cur)
        return TestScore(statistic=value, p_value=None, effect=value)
