from __future__ import annotations

import pytest

from colloquy.analytics.outcomes import Rate, wilson_rate
from colloquy.errors import UsageError


def test_zero_conversations_have_no_rate() -> None:
    assert wilson_rate(0, 0) == Rate(successes=0, n=0, value=None, low=None, high=None)


def test_wilson_half() -> None:
    rate = wilson_rate(5, 10)
    assert rate.value == 0.5
    assert rate.low == pytest.approx(0.2366, abs=1e-4)
    assert rate.high == pytest.approx(0.7634, abs=1e-4)


def test_wilson_extremes_are_exact_at_the_bound() -> None:
    none = wilson_rate(0, 10)
    assert (none.value, none.low) == (0.0, 0.0)
    assert none.high == pytest.approx(0.2775, abs=1e-4)
    every = wilson_rate(10, 10)
    assert (every.value, every.high) == (1.0, 1.0)
    assert every.low == pytest.approx(0.7225, abs=1e-4)


def test_interval_narrows_with_n() -> None:
    small, large = wilson_rate(3, 10), wilson_rate(300, 1000)
    assert small.low is not None
    assert small.high is not None
    assert large.low is not None
    assert large.high is not None
    assert large.high - large.low < small.high - small.low
    assert large.low < 0.3 < large.high


@pytest.mark.parametrize(("successes", "n"), [(-1, 3), (4, 3), (0, -1)])
def test_impossible_counts_are_refused(successes: int, n: int) -> None:
    with pytest.raises(UsageError, match="0 <= successes <= n"):
        wilson_rate(successes, n)
