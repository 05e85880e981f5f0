"""Hellinger distance between category mixes, on request only."""

from __future__ import annotations

import math

import numpy as np

from colloquy.monitoring.drift.base import Direction, TestScore, aligned_proportions


class Hellinger:
    """sqrt(1 - sum sqrt(p q)): bounded in [0, 1], symmetric, finite on new categories."""

    name = "hellinger"
    direction: Direction = "distance"

    def score(self, reference: dict[str, int], current: dict[str, int]) -> TestScore:
        ref, cur = aligned_proportions(reference, current)
        value = math.sqrt(max(0.0, 1.0 - float(np.sum(np.sqrt(ref * cur)))))
        return TestScore(statistic=value, p_value=None, effect=value)
