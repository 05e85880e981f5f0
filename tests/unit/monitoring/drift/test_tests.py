"""Each drift test on samples with a known answer: same distribution vs. a clear shift."""

from __future__ import annotations

import numpy as np
import pytest

from colloquy.errors import UsageError
from colloquy.monitoring.drift.registry import (
    CATEGORICAL_TESTS,
    NUMERIC_TESTS,
    categorical_test,
    numeric_test,
)

RNG = np.random.default_rng(7)
SAME_A = RNG.normal(size=4000)
SAME_B = RNG.normal(size=4000)
SHIFTED = RNG.normal(loc=0.8, size=4000)
MIX = {"a": 500, "b": 300, "c": 200}
MIX_SAME = {"a": 510, "b": 295, "c": 195}
MIX_SHIFTED = {"a": 200, "b": 300, "c": 300, "new": 200}


@pytest.mark.parametrize("name", sorted(NUMERIC_TESTS))
def test_numeric_tests_separate_a_shift_from_noise(name: str) -> None:
    test = numeric_test(name)
    same = test.score(SAME_A, SAME_B)
    shifted = test.score(SAME_A, SHIFTED)
    assert shifted.effect > 5 * same.effect
    if test.direction == "p_value":
        assert same.p_value is not None
        assert same.p_value > 0.01
        assert shifted.p_value is not None
        assert shifted.p_value < 1e-10


@pytest.mark.parametrize("name", sorted(CATEGORICAL_TESTS))
def test_categorical_tests_separate_a_shift_from_noise(name: str) -> None:
    test = categorical_test(name)
    same = test.score(MIX, MIX_SAME)
    shifted = test.score(MIX, MIX_SHIFTED)
    assert shifted.statistic > 5 * same.statistic
    assert np.isfinite(shifted.statistic)


def test_wasserstein_is_in_reference_standard_deviations() -> None:
    reference = np.array([0.0, 2.0] * 500)
    score = numeric_test("wasserstein").score(reference, reference + 0.5)
    assert score.statistic == pytest.approx(0.5, rel=1e-6)


def test_jensen_shannon_is_one_for_disjoint_mixes() -> None:
    score = categorical_test("jensen_shannon").score({"a": 10}, {"b": 10})
    assert score.statistic == pytest.approx(1.0)


def test_unknown_test_names_list_the_choices() -> None:
    with pytest.raises(UsageError, match="unknown numeric drift test") as caught:
        numeric_test("t-test")
    assert caught.value.hint is not None
    assert "wasserstein" in caught.value.hint
    with pytest.raises(UsageError, match="unknown categorical drift test"):
        categorical_test("ks")
