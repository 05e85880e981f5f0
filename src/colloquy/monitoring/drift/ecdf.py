"""Two samples' empirical CDFs on their merged points, which KS and Wasserstein both read.

Both samples are sorted (a summary keeps its numeric values sorted, so usually nothing is
sorted here), and the smaller one is placed into the larger by binary search: a capped
reference sample against a large current window costs one search per reference value and
a few linear passes, instead of a search per current value or a sort of the concatenation.
"""

from __future__ import annotations

import numpy as np

from colloquy.monitoring.drift.base import FloatArray


def sorted_values(values: FloatArray) -> FloatArray:
    """``values`` itself when already ascending (checked in one pass), else a sorted copy."""
    if values.size < 2 or bool(np.all(values[:-1] <= values[1:])):
        return values
    return np.sort(values)


def merged_gap(reference: FloatArray, current: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Every value of both samples in ascending order, and at each position
    ``F_reference - F_current`` counting the values up to and including it.

    On ties reference values come first, so the gap is exact at the last of each run of
    equal values (where KS and Wasserstein read it); inside a run the width is zero.
    """
    a = sorted_values(reference)
    b = sorted_values(current)
    m, n = a.size, b.size
    from_a = np.zeros(m + n, dtype=bool)
    if m <= n:
        from_a[np.arange(m) + np.searchsorted(b, a, side="left")] = True
    else:
        from_a[:] = True
        from_a[np.arange(n) + np.searchsorted(a, b, side="right")] = False
    points = np.empty(m + n, dtype=np.float64)
    points[from_a] = a
    points[~from_a] = b
    gap = np.cumsum(from_a) / m - np.cumsum(~from_a) / n
    return points, gap
