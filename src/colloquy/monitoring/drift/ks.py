"""Two-sample Kolmogorov–Smirnov: Evidently's default numeric test up to 1,000 rows."""

from __future__ import annotations

from scipy import stats

from colloquy.monitoring.drift.base import Direction, FloatArray, TestScore


class KolmogorovSmirnov:
    """The largest gap between the two empirical CDFs; the gap itself is the effect size."""

    name = "ks"
    direction: Direction = "p_value"

    def score(self, reference: FloatArray, current: FloatArray) -> TestScore:
        result = stats.ks_2samp(reference, current, method="asymp")
        return TestScore(
            statistic=float(result.statistic),
            p_value=float(result.pvalue),
            effect=float(result.statistic),
        )
