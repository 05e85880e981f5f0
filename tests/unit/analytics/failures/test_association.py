"""Failure types against bad outcomes: rates with and without, Newcombe and Katz intervals."""

from __future__ import annotations

import math

import pytest

from colloquy.analytics.failures import FailureType
from colloquy.analytics.failures.association import (
    AssociationCounter,
    associate_failures,
    is_bad_outcome,
)

LOOP, DROP, GOAL = FailureType.LOOP, FailureType.SENTIMENT_DROP, FailureType.GOAL_NOT_COMPLETED


def _observations(
    kind: FailureType, with_bad: int, with_n: int, without_bad: int, without_n: int
) -> list[tuple[set[FailureType], bool]]:
    rows: list[tuple[set[FailureType], bool]] = []
    rows += [({kind}, True)] * with_bad + [({kind}, False)] * (with_n - with_bad)
    rows += [(set(), True)] * without_bad + [(set(), False)] * (without_n - without_bad)
    return rows


def test_newcombe_interval_matches_the_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 vs 48/80,
    # method 10 (hybrid score): difference 0.2000, 95 % CI 0.0524 to 0.3339.
    table = associate_failures(_observations(LOOP, 56, 70, 48, 80))
    (row,) = table.associations
    assert row.difference == pytest.approx(0.2)
    assert row.difference_low == pytest.approx(0.0524, abs=5e-4)
    assert row.difference_high == pytest.approx(0.3339, abs=5e-4)
    assert (table.conversations, table.bad_outcomes) == (150, 104)


def test_relative_risk_with_katz_log_interval() -> None:
    (row,) = associate_failures(_observations(LOOP, 10, 100, 5, 100)).associations
    se = math.sqrt(1 / 10 - 1 / 100 + 1 / 5 - 1 / 100)
    assert row.relative_risk == pytest.approx(2.0)
    assert row.relative_risk_low == pytest.approx(2.0 * math.exp(-1.959963984540054 * se))
    assert row.relative_risk_high == pytest.approx(2.0 * math.exp(1.959963984540054 * se))
    assert row.with_failure.value == pytest.approx(0.1)
    assert row.without_failure.value == pytest.approx(0.05)


def test_undefined_parts_are_none_not_numbers() -> None:
    # every conversation has the failure: nothing to compare against
    (row,) = associate_failures([({LOOP}, True), ({LOOP}, False)]).associations
    assert row.without_failure.n == 0
    assert row.difference is None
    assert row.relative_risk is None
    # no bad outcome without the failure: a difference exists, a ratio does not
    (row,) = associate_failures(_observations(LOOP, 3, 4, 0, 6)).associations
    assert row.difference == pytest.approx(0.75)
    assert row.relative_risk is None


def test_ranked_by_difference_and_definitional_types_flagged() -> None:
    counter = AssociationCounter()
    for types, bad in [
        ({GOAL}, True),
        ({GOAL, DROP}, True),
        ({DROP}, False),
        ({DROP}, True),
        (set(), False),
        (set(), False),
    ]:
        counter.add(types, bad)
    rows = counter.result().associations
    assert [r.type for r in rows] == [GOAL, DROP]
    assert rows[0].part_of_definition
    assert not rows[1].part_of_definition
    assert rows[1].with_failure.successes == 2
    assert rows[1].with_failure.n == 3


@pytest.mark.parametrize(
    ("resolved", "escalated", "converted", "bad"),
    [
        (True, False, None, False),
        (False, False, None, True),
        (True, True, None, True),
        (True, False, False, True),
        (True, False, True, False),
    ],
)
def test_bad_outcome_definition(
    resolved: bool, escalated: bool, converted: bool | None, bad: bool
) -> None:
    assert is_bad_outcome(resolved=resolved, escalated=escalated, converted=converted) is bad
