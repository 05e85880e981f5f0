"""Chi-squared test of homogeneity: Evidently's default categorical test up to 1,000 rows."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from colloquy.monitoring.drift.base import Direction, TestScore


class ChiSquared:
    """Do both samples come from one category mix? Cramér's V is the effect size.

    V does not grow with the sample, so a rule can floor it where the p-value alone would
    flag every negligible wobble in a million rows.
    """

    name = "chi_squared"
    direction: Direction = "p_value"

    def score(self, reference: dict[str, int], current: dict[str, int]) -> TestScore:
        keys = sorted(set(reference) | set(current))
        table = np.array(
            [[reference.get(k, 0) for k in keys], [current.get(k, 0) for k in keys]],
            dtype=np.float64,
        )
        if len(keys) < 2:
            return TestScore(statistic=0.0, p_value=1.0, effect=0.0)
        expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
        statistic = float(np.sum((table - expected) ** 2 / expected))
        dof = len(keys) - 1
        p_value = float(stats.chi2.sf(statistic, dof))
        effect = math.sqrt(statistic / table.sum())
        return TestScore(statistic=statistic, p_value=p_value, effect=effect)
