"""Normed Wasserstein distance: Evidently's default numeric measure above 1,000 rows."""

from __future__ import annotations

import numpy as np

from colloquy.monitoring.drift.base import Direction, FloatArray, TestScore
from colloquy.monitoring.drift.ecdf import merged_gap


def wasserstein(reference: FloatArray, current: FloatArray) -> float:
    """The area between the two empirical CDFs, the earth mover's distance in 1-D (equal
    to ``scipy.stats.wasserstein_distance``)."""
    points, gap = merged_gap(reference, current)
    return float(np.sum(np.abs(gap[:-1]) * np.diff(points)))


class NormedWasserstein:
    """Earth mover's distance in units of the reference's standard deviation.

    Dividing by the reference spread makes one threshold (0.1) mean the same on a feature
    counted in seconds and one counted in words.
    """

    name = "wasserstein"
    direction: Direction = "distance"

    def score(self, reference: FloatArray, current: FloatArray) -> TestScore:
        spread = float(np.std(reference))
        distance = wasserstein(reference, current)
        normed = distance / spread if spread > 0 else (0.0 if distance == 0 else float("inf"))
        return TestScore(statistic=normed, p_value=None, effect=normed)
