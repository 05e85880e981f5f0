"""KS and Wasserstein from the merged ECDFs equal scipy's, with ties, either side larger,
sorted or unsorted input, and tiny samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from colloquy.monitoring.drift.ks import ks_statistic
from colloquy.monitoring.drift.summary import summarize
from colloquy.monitoring.drift.wasserstein import wasserstein

rng = np.random.default_rng(4)

CASES = {
    "continuous, current larger": (rng.gamma(2, 3, 2_000), rng.gamma(2.2, 3, 50_000)),
    "ties, current larger": (
        rng.integers(0, 20, 2_000).astype(float),
        rng.integers(0, 25, 50_000).astype(float),
    ),
    "ties, reference larger": (
        rng.integers(0, 25, 50_000).astype(float),
        rng.integers(0, 20, 2_000).astype(float),
    ),
    "tiny": (np.array([1.0]), np.array([1.0, 2.0])),
    "identical": (np.arange(10.0), np.arange(10.0)),
}


@pytest.mark.parametrize("case", CASES)
def test_the_statistics_equal_scipys(case: str) -> None:
    reference, current = CASES[case]
    expected_ks = stats.ks_2samp(reference, current).statistic
    expected_ws = stats.wasserstein_distance(reference, current)
    for ref, cur in ((reference, current), (np.sort(reference), np.sort(current))):
        assert ks_statistic(ref, cur) == pytest.approx(expected_ks, abs=1e-12)
        assert wasserstein(ref, cur) == pytest.approx(expected_ws, rel=1e-9)


def test_summaries_keep_numeric_values_sorted() -> None:
    values = summarize("x", pd.Series(rng.normal(size=500)), sample_cap=100).values
    assert values.size == 100
    assert bool(np.all(values[:-1] <= values[1:]))
