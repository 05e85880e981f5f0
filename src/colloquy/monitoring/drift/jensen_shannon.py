"""Jensen–Shannon distance: Evidently's default categorical measure above 1,000 rows."""

from __future__ import annotations

from scipy.spatial import distance

from colloquy.monitoring.drift.base import Direction, TestScore, aligned_proportions


class JensenShannon:
    """The square root of the JS divergence (base 2): bounded in [0, 1] and symmetric."""

    name = "jensen_shannon"
    direction: Direction = "distance"

    def score(self, reference: dict[str, int], current: dict[str, int]) -> TestScore:
        ref, cur = aligned_proportions(reference, current)
        value = float(distance.jensenshannon(ref, cur, base=2))
        return TestScore(statistic=value, p_value=None, effect=value)
