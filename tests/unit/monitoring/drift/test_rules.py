"""The two rules and the dataset verdict, including the inputs no test can compare."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from colloquy.errors import DataError, UsageError
from colloquy.monitoring.drift.dataset import compare
from colloquy.monitoring.drift.rules import ColloquyRule, EvidentlyRule
from colloquy.monitoring.drift.summary import FeatureSummary, summarize, summarize_frame


def _numeric(name: str, values: np.ndarray) -> FeatureSummary:
    return FeatureSummary(name, "numeric", values.size, 0, values=values)


def test_large_negligible_shift_is_flagged_by_p_values_but_not_by_colloquy() -> None:
    rng = np.random.default_rng(0)
    reference = _numeric("x", rng.normal(size=200_000))
    current = _numeric("x", rng.normal(loc=0.03, size=200_000))
    colloquy = ColloquyRule().decide(reference, current)
    assert colloquy.p_value is not None
    assert colloquy.p_value < 1e-6
    assert colloquy.status == "stable"


def test_clear_shift_is_flagged_by_both_rules() -> None:
    rng = np.random.default_rng(1)
    reference = _numeric("x", rng.gamma(2.0, size=5000))
    current = _numeric("x", rng.gamma(2.0, size=5000) * 1.2)
    assert ColloquyRule().decide(reference, current).drifted
    assert EvidentlyRule().decide(reference, current).drifted


def test_evidently_switches_from_p_value_to_distance_above_1000_rows() -> None:
    rng = np.random.default_rng(2)
    small = EvidentlyRule().decide(
        _numeric("x", rng.normal(size=800)), _numeric("x", rng.normal(size=800))
    )
    large = EvidentlyRule().decide(
        _numeric("x", rng.normal(size=5000)), _numeric("x", rng.normal(size=5000))
    )
    assert (small.method, large.method) == ("ks", "wasserstein")


def test_sensitivity_moves_the_floor() -> None:
    assert ColloquyRule(sensitivity="high").floor < ColloquyRule().floor
    assert ColloquyRule(sensitivity="low").floor > ColloquyRule().floor
    with pytest.raises(UsageError, match="sensitivity"):
        ColloquyRule(sensitivity="extreme")  # type: ignore[arg-type]


def test_bad_inputs_get_statuses_not_crashes() -> None:
    reference = pd.DataFrame(
        {
            "constant": [1.0] * 50,
            "gone": np.arange(50.0),
            "blank": [None] * 50,
            "mix": ["a", "b"] * 25,
        }
    )
    current = pd.DataFrame(
        {"constant": [1.0] * 40, "blank": [None] * 40, "mix": ["a"] * 40, "extra": range(40)}
    )
    result = compare(summarize_frame(reference), summarize_frame(current), ColloquyRule())
    statuses = {f.feature: f.status for f in result.features}
    assert statuses == {
        "constant": "constant",
        "gone": "missing_in_current",
        "blank": "all_missing",
        "mix": "drifted",
        "extra": "missing_in_reference",
    }
    assert result.tested == 1
    assert result.drifted


def test_empty_current_window_is_a_status() -> None:
    reference = summarize("x", pd.Series(np.arange(100.0)))
    empty = summarize("x", pd.Series([], dtype=float))
    result = ColloquyRule().decide(reference, empty)
    assert result.status == "empty"


def test_no_shared_column_is_a_clear_error() -> None:
    reference = summarize_frame(pd.DataFrame({"a": np.arange(10.0)}))
    current = summarize_frame(pd.DataFrame({"b": np.arange(10.0)}))
    with pytest.raises(DataError, match="share no column"):
        compare(reference, current, ColloquyRule())


def test_share_threshold_decides_the_dataset_verdict() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({c: rng.normal(size=3000) for c in "abcd"})
    shifted = frame.copy()
    shifted["a"] = shifted["a"] + 1.0
    ref, cur = summarize_frame(frame), summarize_frame(shifted)
    assert not compare(ref, cur, ColloquyRule(), share_threshold=0.5).drifted
    assert compare(ref, cur, ColloquyRule(), share_threshold=0.25).drifted
    with pytest.raises(DataError, match="share threshold"):
        compare(ref, cur, ColloquyRule(), share_threshold=0.0)
