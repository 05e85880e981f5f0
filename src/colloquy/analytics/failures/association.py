"""Which failure types go with bad outcomes, and how strongly.

Frequency alone ranks the failures a team sees most, not the ones that hurt: a type that
appears in 30 % of conversations but never changes how they end matters less than a rarer
one after which most conversations go wrong. For each type this compares the bad-outcome
rate of the conversations with it against those without it: the difference of the two
rates with Newcombe's hybrid-score 95 % interval (built from the two Wilson intervals,
sound at small counts and at 0 or 1), and the relative risk with Katz's log interval.

A bad outcome is: not resolved, or escalated, or not converted where the conversation
records a conversion (:func:`is_bad_outcome`). Two types are part of that definition
(goal not completed implies not resolved when resolution is detected, escalation implies
escalated), so their association is true by construction; ``part_of_definition`` says so
and a report should read them as such, not as findings.

Counts accumulate incrementally (:class:`AssociationCounter`): memory is one counter per
distinct set of failure types, not per conversation.

Not re-exported from :mod:`colloquy.analytics.failures` (the rates it uses live in
:mod:`colloquy.analytics.outcomes`, which itself imports the failure detectors); import it
from here or from :mod:`colloquy.analytics`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from colloquy.analytics.failures.records import FailureType
from colloquy.analytics.outcomes.rates import Z_95, Rate, wilson_rate

DEFINITIONAL: frozenset[FailureType] = frozenset(
    {FailureType.GOAL_NOT_COMPLETED, FailureType.ESCALATION}
)
"""Failure types that are part of the bad-outcome definition."""


def is_bad_outcome(*, resolved: bool, escalated: bool, converted: bool | None) -> bool:
    """Not resolved, or escalated, or not converted (``None``: no conversion recorded)."""
    return (not resolved) or escalated or converted is False


@dataclass(frozen=True, slots=True)
class FailureAssociation:
    """One failure type's bad-outcome rate with and without it.

    ``difference`` is ``with_failure.value - without_failure.value`` (percentage points
    as a fraction), ``relative_risk`` their ratio; each is ``None`` (with its interval)
    when a side has no conversations, and the relative risk also when a side has no bad
    outcome (the ratio or its log interval is undefined there).
    """

    type: FailureType
    with_failure: Rate
    without_failure: Rate
    difference: float | None
    difference_low: float | None
    difference_high: float | None
    relative_risk: float | None
    relative_risk_low: float | None
    relative_risk_high: float | None
    part_of_definition: bool


@dataclass(frozen=True, slots=True)
class FailureAssociations:
    """Every failure type seen, largest difference first (undefined differences last)."""

    conversations: int
    bad_outcomes: int
    associations: tuple[FailureAssociation, ...]


class AssociationCounter:
    """Counts (failure-type set, bad outcome) pairs one conversation at a time."""

    def __init__(self) -> None:
        self._patterns: Counter[tuple[frozenset[FailureType], bool]] = Counter()

    def add(self, types: Collection[FailureType], bad: bool) -> None:
        """Count one conversation with these failure types and this outcome."""
        self._patterns[(frozenset(types), bad)] += 1

    def result(self) -> FailureAssociations:
        """The association of every type seen so far."""
        total = sum(self._patterns.values())
        bad_total = sum(n for (_, bad), n in self._patterns.items() if bad)
        seen = {kind for (types, _), _n in self._patterns.items() for kind in types}
        rows = [self._row(kind, total, bad_total) for kind in seen]
        rows.sort(
            key=lambda r: (r.difference is None, -(r.difference or 0.0), r.type.value),
        )
        return FailureAssociations(
            conversations=total, bad_outcomes=bad_total, associations=tuple(rows)
        )

    def _row(self, kind: FailureType, total: int, bad_total: int) -> FailureAssociation:
        with_n = sum(n for (types, _), n in self._patterns.items() if kind in types)
        with_bad = sum(n for (types, bad), n in self._patterns.items() if bad and kind in types)
        exposed = wilson_rate(with_bad, with_n)
        unexposed = wilson_rate(bad_total - with_bad, total - with_n)
        low, difference, high = _newcombe(exposed, unexposed)
        rr_low, rr, rr_high = _katz(exposed, unexposed)
        return FailureAssociation(
            type=kind,
            with_failure=exposed,
            without_failure=unexposed,
            difference=difference,
            difference_low=low,
            difference_high=high,
            relative_risk=rr,
            relative_risk_low=rr_low,
            relative_risk_high=rr_high,
            part_of_definition=kind in DEFINITIONAL,
        )


def associate_failures(
    observations: Iterable[tuple[Collection[FailureType], bool]],
) -> FailureAssociations:
    """The association table of ``(failure types, bad outcome)`` per conversation."""
    counter = AssociationCounter()
    for types, bad in observations:
        counter.add(types, bad)
    return counter.result()


_Interval = tuple[float | None, float | None, float | None]


def _newcombe(a: Rate, b: Rate) -> _Interval:
    """Newcombe's hybrid score interval for ``a - b`` (his method 10)."""
    if None in (a.value, a.low, a.high, b.value, b.low, b.high):
        return None, None, None
    pa, la, ha = float(a.value or 0.0), float(a.low or 0.0), float(a.high or 0.0)
    pb, lb, hb = float(b.value or 0.0), float(b.low or 0.0), float(b.high or 0.0)
    d = pa - pb
    low = d - math.sqrt((pa - la) ** 2 + (hb - pb) ** 2)
    high = d + math.sqrt((ha - pa) ** 2 + (pb - lb) ** 2)
    return max(-1.0, low), d, min(1.0, high)


def _katz(a: Rate, b: Rate) -> _Interval:
    """The relative risk ``a / b`` with Katz's log interval; undefined with a zero count."""
    if a.value is None or b.value is None or a.successes == 0 or b.successes == 0:
        return None, None, None
    rr = a.value / b.value
    se = math.sqrt(1 / a.successes - 1 / a.n + 1 / b.successes - 1 / b.n)
    return rr * math.exp(-Z_95 * se), rr, rr * math.exp(Z_95 * se)
