"""Outcome metrics on real SGD (goal acts) and Twitter (brands, dates) data."""

from __future__ import annotations

from pathlib import Path

from colloquy.analytics.failures import goal_not_completed
from colloquy.analytics.outcomes import (
    Bucket,
    ConversationFilter,
    MarkerSource,
    OutcomeKind,
    assess_outcomes,
    conversation_brand,
    outcome_metrics,
    outcome_trends,
    summarize_outcomes,
)
from colloquy.data.loaders import SGDLoader, TwitterSupportLoader


def test_sgd_resolution_is_the_act_defined_goal_completion(datasets_dir: Path) -> None:
    dialogues = list(SGDLoader().load(datasets_dir / "sgd" / "dev" / "dialogues_001.json"))
    outcomes = assess_outcomes(dialogues)
    assert {o.resolved_from for o in outcomes} == {MarkerSource.ACTS}
    failed = sum(goal_not_completed(d) for d in dialogues)
    assert failed > 0
    metrics = summarize_outcomes(outcomes)
    assert metrics.resolution.successes == len(dialogues) - failed
    assert metrics.conversion.value is None
    assert metrics.intents.unknown == 0
    top = metrics.intents.shares[0]
    assert top.count == max(s.count for s in metrics.intents.shares)
    only_top = outcome_metrics(dialogues, where=ConversationFilter(intents=frozenset({top.intent})))
    assert only_top.conversations == top.count


def test_twitter_brand_filter_and_daily_trend(datasets_dir: Path) -> None:
    threads = list(TwitterSupportLoader().load(datasets_dir / "twitter_support"))
    amazon = [t for t in threads if conversation_brand(t) == "AmazonHelp"]
    outcomes = assess_outcomes(threads, where=ConversationFilter.from_pairs(["brand=AmazonHelp"]))
    assert [o.conversation_id for o in outcomes] == [t.id for t in amazon]
    assert len(outcomes) == 103
    series = outcome_trends(outcomes, OutcomeKind.ESCALATION, Bucket.DAY)
    assert series.undated == 0
    assert sum(p.n for p in series.points) == 103
    assert sum(p.rate.successes for p in series.points) == sum(o.escalated for o in outcomes)
    assert all(p.rate.value is None for p in series.points if p.n == 0)
