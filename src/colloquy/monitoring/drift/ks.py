"""Two-sample Kolmogorov–Smirnov: Evidently's default numeric test up to 1,000 rows."""

from __future__ import annotations

import numpy as np
from scipy import stats

from colloquy.monitoring.drift.base import Direction, FloatArray, TestScore
from colloquy.monitoring.drift.ecdf import merged_gap


def ks_statistic(reference: FloatArray, current: FloatArray) -> float:
    """The largest gap between the two empirical CDFs (same value as
    ``scipy.stats.ks_2samp``), read at the last of each run of equal values."""
    points, gap = merged_gap(reference, current)
    last = np.append(points[1:] != points[:-1], True)
    return float(np.max(np.abs(gap[last])))


class KolmogorovSmirnov:
    """KS D with its asymptotic two-sided p-value; D itself is the effect size."""

    name = "ks"
    direction: Direction = "p_value"

    def score(self, reference: FloatArray, current: FloatArray) -> TestScore:
        d = ks_statistic(reference, current)
        effective = round(reference.size * current.size / (reference.size + current.size))
        p_value = float(stats.kstwo.sf(d, max(effective, 1)))
        return TestScore(statistic=d, p_value=min(max(p_value, 0.0), 1.0), effect=d)
