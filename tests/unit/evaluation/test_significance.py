"""McNemar's test and the paired bootstrap on textbook and constructed examples."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from colloquy.errors import UsageError
from colloquy.evaluation import McNemarResult, mcnemar, paired_bootstrap
from colloquy.evaluation.significance import EXACT_BELOW


def _paired(
    both_right: int, only_a: int, only_b: int, both_wrong: int
) -> tuple[list[str], list[str], list[str]]:
    """Truth and two models' predictions with the given 2 x 2 table of right/wrong."""
    y_true, pred_a, pred_b = [], [], []
    for count, a_right, b_right in (
        (both_right, True, True),
        (only_a, True, False),
        (only_b, False, True),
        (both_wrong, False, False),
    ):
        for i in range(count):
            label = f"c{i % 3}"
            wrong = f"w{i % 2}"
            y_true.append(label)
            pred_a.append(label if a_right else wrong)
            pred_b.append(label if b_right else wrong)
    return y_true, pred_a, pred_b


def _exact_two_sided(b: int, c: int) -> float:
    n = b + c
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1)) / float(2**n)
    return min(1.0, 2 * tail)


def test_textbook_exact_example() -> None:
    # b = 10, c = 2: two-sided exact p = 2 * (1 + 12 + 66) / 4096 = 0.03857
    result = mcnemar(*_paired(50, 10, 2, 5))
    assert (result.n, result.b, result.c) == (67, 10, 2)
    assert result.method == "exact"
    assert result.statistic == 2.0
    assert result.p_value == pytest.approx(158 / 4096, abs=1e-12)
    assert result.p_value == pytest.approx(0.0386, abs=1e-4)
    assert result.significant()
    assert not result.significant(alpha=0.01)
    assert result.accuracy_difference == pytest.approx(8 / 67)


def test_swapping_models_swaps_b_and_c() -> None:
    y_true, pred_a, pred_b = _paired(20, 7, 3, 4)
    forward = mcnemar(y_true, pred_a, pred_b)
    backward = mcnemar(y_true, pred_b, pred_a)
    assert (backward.b, backward.c) == (forward.c, forward.b)
    assert backward.p_value == pytest.approx(forward.p_value)
    assert backward.accuracy_difference == pytest.approx(-forward.accuracy_difference)


@pytest.mark.parametrize(("b", "c"), [(1, 0), (3, 3), (12, 4), (0, 9), (20, 4)])
def test_exact_branch_against_binomial_sum(b: int, c: int) -> None:
    result = mcnemar(*_paired(30, b, c, 2))
    assert result.method == "exact"
    assert result.p_value == pytest.approx(_exact_two_sided(b, c), abs=1e-12)


@pytest.mark.parametrize(("b", "c"), [(30, 12), (13, 12), (100, 140), (40, 0)])
def test_chi_square_branch_against_scipy(b: int, c: int) -> None:
    result = mcnemar(*_paired(200, b, c, 10))
    assert result.method == "chi2"
    statistic = (abs(b - c) - 1) ** 2 / (b + c)
    assert result.statistic == pytest.approx(statistic, abs=1e-12)
    assert result.p_value == pytest.approx(stats.chi2.sf(statistic, df=1), abs=1e-12)
    # the chi-square survival function with one degree of freedom is erfc(sqrt(x / 2))
    assert result.p_value == pytest.approx(math.erfc(math.sqrt(statistic / 2)), rel=1e-9)


def test_branch_switches_at_25_discordant() -> None:
    assert EXACT_BELOW == 25
    assert mcnemar(*_paired(10, 14, 10, 0)).method == "exact"
    assert mcnemar(*_paired(10, 15, 10, 0)).method == "chi2"


def test_no_discordant_pairs() -> None:
    result = mcnemar(*_paired(10, 0, 0, 5))
    assert (result.b, result.c, result.p_value, result.statistic) == (0, 0, 1.0, 0.0)
    assert not result.significant()


def test_mcnemar_to_dict() -> None:
    result = mcnemar(*_paired(50, 10, 2, 5))
    document = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert document["b"] == 10
    assert document["method"] == "exact"
    assert isinstance(result, McNemarResult)


def test_paired_bootstrap_identical_models() -> None:
    y_true, pred, _ = _paired(40, 5, 5, 10)
    result = paired_bootstrap(y_true, pred, pred, n=200, seed=0)
    assert result.difference == 0.0
    assert (result.ci.low, result.ci.high) == (0.0, 0.0)
    assert result.p_value == 1.0


def test_paired_bootstrap_clear_difference() -> None:
    y_true, pred_a, pred_b = _paired(300, 80, 10, 30)
    result = paired_bootstrap(y_true, pred_a, pred_b, n=1000, seed=0)
    assert result.difference == pytest.approx((80 - 10) / 420)
    assert result.difference in result.ci
    assert result.ci.low > 0
    assert result.p_value == pytest.approx(1 / 1001)
    assert result.n_resamples == 1000
    reverse = paired_bootstrap(y_true, pred_b, pred_a, n=1000, seed=0)
    assert reverse.difference == pytest.approx(-result.difference)
    assert reverse.ci.high < 0


def test_paired_bootstrap_small_difference_is_not_significant() -> None:
    y_true, pred_a, pred_b = _paired(300, 12, 10, 30)
    result = paired_bootstrap(y_true, pred_a, pred_b, n=1000, seed=1)
    assert result.ci.low < 0 < result.ci.high
    assert result.p_value > 0.3


def test_paired_bootstrap_is_reproducible() -> None:
    rng = np.random.default_rng(0)
    y_true = [str(v) for v in rng.integers(0, 5, 400)]
    pred_a = [y if rng.random() < 0.7 else "x" for y in y_true]
    pred_b = [y if rng.random() < 0.65 else "x" for y in y_true]
    first = paired_bootstrap(y_true, pred_a, pred_b, n=300, seed=5)
    assert first == paired_bootstrap(y_true, pred_a, pred_b, n=300, seed=5)
    assert first.ci != paired_bootstrap(y_true, pred_a, pred_b, n=300, seed=6).ci
    document = json.loads(json.dumps(first.to_dict(), allow_nan=False))
    assert document["ci"]["n_resamples"] == 300


def test_mismatched_lengths_raise_usage_error() -> None:
    with pytest.raises(UsageError, match="differ in length"):
        mcnemar(["a", "b"], ["a"], ["a", "b"])
    with pytest.raises(UsageError, match="differ in length"):
        paired_bootstrap(["a", "b"], ["a", "b"], ["a"])
    with pytest.raises(UsageError):
        mcnemar([], [], [])
    with pytest.raises(UsageError):
        paired_bootstrap(["a"], ["a"], ["a"], n=0)
