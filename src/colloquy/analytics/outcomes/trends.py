"""Outcome rates bucketed by day or week, for trend lines.

Buckets run from the first to the last dated conversation without gaps: a day with no
conversations is a point with ``n`` 0 and no rate (``None``), so a chart shows a hole,
not a drop to zero. Weeks start on Monday. Undated conversations cannot be placed and
are counted in ``undated``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from colloquy.analytics.outcomes.markers import ConversationOutcome
from colloquy.analytics.outcomes.metrics import OutcomeKind, outcome_rate
from colloquy.analytics.outcomes.rates import Rate


class Bucket(StrEnum):
    """How wide a trend point is."""

    DAY = "day"
    WEEK = "week"

    def start_of(self, day: date) -> date:
        """The first day of the bucket ``day`` falls in."""
        if self is Bucket.WEEK:
            return day - timedelta(days=day.weekday())
        return day

    @property
    def width(self) -> timedelta:
        return timedelta(days=7 if self is Bucket.WEEK else 1)


@dataclass(frozen=True, slots=True)
class Trend:
    """One bucket: its first day, how many conversations fell in it, and the rate."""

    start: date
    n: int
    rate: Rate


@dataclass(frozen=True, slots=True)
class TrendSeries:
    """One rate over consecutive buckets."""

    kind: OutcomeKind
    bucket: Bucket
    points: tuple[Trend, ...]
    undated: int


def outcome_trends(
    outcomes: Sequence[ConversationOutcome], kind: OutcomeKind, bucket: Bucket
) -> TrendSeries:
    """``kind``'s rate per ``bucket`` over judged conversations (see ``assess_outcomes``)."""
    grouped: dict[date, list[ConversationOutcome]] = {}
    undated = 0
    for outcome in outcomes:
        if outcome.day is None:
            undated += 1
            continue
        grouped.setdefault(bucket.start_of(outcome.day), []).append(outcome)
    points: list[Trend] = []
    if grouped:
        start, last = min(grouped), max(grouped)
        while start <= last:
            members = grouped.get(start, [])
            points.append(Trend(start=start, n=len(members), rate=outcome_rate(members, kind)))
            start += bucket.width
    return TrendSeries(kind=kind, bucket=bucket, points=tuple(points), undated=undated)
