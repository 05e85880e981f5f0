"""A rate with its sample size and a Wilson 95 % interval.

A rate is reported with ``n`` and an interval so a dashboard never shows 100 % from two
conversations as if it were certain; a rate over zero conversations has no value
(``None``), never 0, because "no data" and "never happened" are different answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from colloquy.errors import UsageError

Z_95 = 1.959963984540054
"""The two-sided 95 % normal quantile."""


@dataclass(frozen=True, slots=True)
class Rate:
    """``successes`` out of ``n``; ``value``, ``low`` and ``high`` are ``None`` when n is 0."""

    successes: int
    n: int
    value: float | None
    low: float | None
    high: float | None


def wilson_rate(successes: int, n: int, z: float = Z_95) -> Rate:
    """The share ``successes / n`` with its Wilson score interval (good at small n and 0/1)."""
    if n < 0 or successes < 0 or successes > n:
        raise UsageError(f"a rate needs 0 <= successes <= n, got {successes} of {n}")
    if n == 0:
        return Rate(successes=0, n=0, value=None, low=None, high=None)
    p = successes / n
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return Rate(
        successes=successes,
        n=n,
        value=p,
        low=0.0 if successes == 0 else max(0.0, centre - half),
        high=1.0 if successes == n else min(1.0, centre + half),
    )
