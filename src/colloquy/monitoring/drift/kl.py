"""Kullback–Leibler divergence of current from reference, on request only."""

from __future__ import annotations

import numpy as np

from colloquy.monitoring.drift.base import Direction, TestScore, aligned_proportions


class KullbackLeibler:
    """KL(current || reference) in nats, with a half-count pseudo-count per category.

    Not a default: it is unbounded and asymmetric, so one threshold does not transfer
    between features; offered because some teams already track it.
    """

    name = "kl"
    direction: Direction = "distance"

    def score(self, reference: dict[str, int], current: dict[str, int]) -> TestScore:
        ref, cur = aligned_proportions(reference, current, smoothing=0.5)
        value = float(np.sum(cur * np.log(cur / ref)))
        return TestScore(statistic=value, p_value=None, effect=value)
