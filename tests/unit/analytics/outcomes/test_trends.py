from __future__ import annotations

from collections.abc import Callable
from datetime import date

from colloquy.analytics.outcomes import (
    Bucket,
    ConversationFilter,
    OutcomeKind,
    assess_outcomes,
    outcome_trends,
)
from colloquy.schema import Conversation

Make = Callable[..., Conversation]


def _deals(make: Make) -> list[Conversation]:
    """Deals on Mon 1, Tue 2 and Thu 4 January 2024 and Mon 15 January; one undated."""
    days = [
        ("2024-01-01T09:00:00", True),
        ("2024-01-01T17:00:00", False),
        ("2024-01-02T08:00:00", True),
        ("2024-01-04T23:59:00", True),
        ("2024-01-15T00:00:00", False),
        (None, True),
    ]
    return [
        make(f"d{i}", ("customer", "How much?"), started=started, converted=deal)
        for i, (started, deal) in enumerate(days)
    ]


def test_daily_buckets_fill_gaps_with_empty_points(make: Make) -> None:
    series = outcome_trends(assess_outcomes(_deals(make)), OutcomeKind.CONVERSION, Bucket.DAY)
    assert series.kind is OutcomeKind.CONVERSION
    assert series.bucket is Bucket.DAY
    assert series.undated == 1
    assert len(series.points) == 15
    assert series.points[0].start == date(2024, 1, 1)
    assert series.points[-1].start == date(2024, 1, 15)
    head = [(p.start.day, p.n, p.rate.successes, p.rate.value) for p in series.points[:4]]
    assert head == [(1, 2, 1, 0.5), (2, 1, 1, 1.0), (3, 0, 0, None), (4, 1, 1, 1.0)]
    assert series.points[-1].rate.value == 0.0
    assert sum(p.n for p in series.points) == 5
    assert all(p.rate.value is None for p in series.points if p.n == 0)


def test_weekly_buckets_start_on_monday(make: Make) -> None:
    outcomes = assess_outcomes(_deals(make))
    series = outcome_trends(outcomes, OutcomeKind.CONVERSION, Bucket.WEEK)
    points = [(p.start, p.n, p.rate.successes) for p in series.points]
    assert points == [
        (date(2024, 1, 1), 4, 3),
        (date(2024, 1, 8), 0, 0),
        (date(2024, 1, 15), 1, 0),
    ]
    assert series.points[1].rate.value is None
    assert Bucket.WEEK.start_of(date(2024, 1, 7)) == date(2024, 1, 1)


def test_trends_follow_the_filter(make: Make) -> None:
    where = ConversationFilter(start=date(2024, 1, 2), end=date(2024, 1, 4))
    outcomes = assess_outcomes(_deals(make), where=where)
    series = outcome_trends(outcomes, OutcomeKind.RESOLUTION, Bucket.DAY)
    assert series.undated == 0
    assert [(p.start.day, p.n) for p in series.points] == [(2, 1), (3, 0), (4, 1)]


def test_no_dated_conversations_give_no_points(make: Make) -> None:
    assert outcome_trends((), OutcomeKind.ESCALATION, Bucket.WEEK).points == ()
    undated = assess_outcomes([make("u", ("customer", "hi"))])
    series = outcome_trends(undated, OutcomeKind.ESCALATION, Bucket.DAY)
    assert (series.points, series.undated) == ((), 1)
