"""Outcome metrics on the real CraigslistBargain dev set, loaded with colloquy's loader."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from colloquy.analytics.outcomes import (
    Bucket,
    ConversationFilter,
    MarkerSource,
    OutcomeKind,
    assess_outcomes,
    outcome_metrics,
    outcome_trends,
)
from colloquy.data.loaders import CraigslistBargainLoader
from colloquy.schema import Conversation


@pytest.fixture(scope="module")
def conversations(datasets_dir: Path) -> list[Conversation]:
    return list(CraigslistBargainLoader().load(datasets_dir / "craigslist_bargain"))


def test_conversion_is_the_deal_rate(conversations: list[Conversation]) -> None:
    metrics = outcome_metrics(conversations)
    deals = sum(c.labels["deal"] is True for c in conversations)
    assert (metrics.conversion.successes, metrics.conversion.n) == (deals, 643) == (461, 643)
    assert metrics.conversion.low is not None
    assert metrics.conversion.high is not None
    assert metrics.conversion.low < 461 / 643 < metrics.conversion.high
    assert metrics.resolution.n == metrics.escalation.n == 643
    assert metrics.intents.unknown == 643
    outcomes = assess_outcomes(conversations)
    assert {o.resolved_from for o in outcomes} == {MarkerSource.TEXT}


def test_weekly_deal_trend_over_2017(conversations: list[Conversation]) -> None:
    where = ConversationFilter.from_pairs(["from=2017-01-01", "channel=negotiation"])
    outcomes = assess_outcomes(conversations, where=where)
    dated_2017 = [c for c in conversations if c.started_at and c.started_at.year == 2017]
    assert len(outcomes) == len(dated_2017) == 633
    series = outcome_trends(outcomes, OutcomeKind.CONVERSION, Bucket.WEEK)
    assert series.undated == 0
    assert all(p.start.weekday() == 0 for p in series.points)
    assert series.points[0].start == date(2017, 5, 29)
    assert sum(p.n for p in series.points) == 633
    assert sum(p.rate.successes for p in series.points) == sum(
        c.labels["deal"] is True for c in dated_2017
    )
