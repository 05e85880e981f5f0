"""The analysis engine end to end on small slices of the real datasets.

SGD: flow and failure points from its acts; Twitter: response times per brand and
sentiment trends; Bitext and BANKING77: intent distributions; PersuasionForGood and
CraigslistBargain: dynamics and sentiment against the outcome, with effect sizes.
"""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pytest

from colloquy.analytics.analysis import (
    AnalysisRuntime,
    ConversationAnalysis,
    aggregate,
    analyze_batch,
    analyze_dataset,
)
from colloquy.analytics.failures import FailureType, goal_not_completed
from colloquy.analytics.flow import END
from colloquy.analytics.separation import MetricSeparation, metric_separation, separate
from colloquy.data.loaders import get_loader
from colloquy.schema import Conversation, Speaker


@pytest.fixture(scope="module")
def runtime() -> AnalysisRuntime:
    return AnalysisRuntime()


def _load(datasets_dir: Path, name: str, path: str, limit: int | None = None) -> list[Conversation]:
    loaded = get_loader(name).load(datasets_dir / path)
    return list(itertools.islice(loaded, limit))


def test_sgd_flow_and_failure_points(datasets_dir: Path, runtime: AnalysisRuntime) -> None:
    dialogues = _load(datasets_dir, "sgd", "sgd/dev/dialogues_001.json", 80)
    result = analyze_dataset(dialogues, runtime=runtime, dataset="sgd")
    assert result.conversations == 80
    flow = result.flow
    assert flow.conversations == 80  # every SGD dialogue is traced from its annotations
    assert flow.untraced == 0
    assert flow.nodes
    assert sum(node.count for node in flow.ends) == 80
    assert sum(edge.count for edge in flow.edges if edge.target == END) == 80
    failed = sum(goal_not_completed(d) for d in dialogues)
    assert failed > 0
    ranks = {rank.type: rank for rank in result.failures.ranks}
    assert ranks[FailureType.GOAL_NOT_COMPLETED].conversations == failed
    assert result.outcomes.resolution.successes == 80 - failed
    examples = [rank.example for rank in result.failures.ranks]
    assert all(example.strip() for example in examples)
    associations = {a.type: a for a in result.failure_association.associations}
    goal = associations[FailureType.GOAL_NOT_COMPLETED]
    assert goal.part_of_definition
    assert goal.with_failure.value == 1.0


def test_twitter_response_times_per_brand_and_sentiment_trend(
    datasets_dir: Path, runtime: AnalysisRuntime
) -> None:
    threads = _load(datasets_dir, "twitter_support", "twitter_support", 400)
    result = analyze_dataset(threads, runtime=runtime, dataset="twitter")
    assert result.dynamics.timed_conversations > 0
    assert result.dynamics.response_seconds is not None
    brands = result.dynamics_by_brand
    assert len(brands) >= 5
    assert [g.summary.conversations for g in brands] == sorted(
        (g.summary.conversations for g in brands), reverse=True
    )
    top = brands[0].summary
    assert top.response_seconds is not None
    assert top.response_seconds.median > 0
    assert sum(b.count for b in top.response_histogram) == top.replies
    trend = result.sentiment.trend
    assert trend.points
    assert any(p.customer_mean is not None for p in trend.points)
    assert sum(p.conversations for p in trend.points) + trend.undated == result.sentiment.scored
    customer = next(s for s in result.sentiment.speakers if s.speaker is Speaker.CUSTOMER)
    assert sum(label.count for label in customer.labels) == customer.turns
    assert result.non_english == result.sentiment.skipped


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("bitext", "bitext"),
        ("banking77", "banking77/test.csv"),
    ],
)
def test_intent_distributions(
    datasets_dir: Path, runtime: AnalysisRuntime, name: str, path: str
) -> None:
    requests = _load(datasets_dir, name, path)[::10]
    result = analyze_dataset(requests, runtime=runtime, dataset=name)
    expected = Counter(str(c.labels["intent"]) for c in requests)
    assert {s.intent: s.count for s in result.intents.shares} == dict(expected)
    assert result.intents.unknown == 0
    assert sum(s.share for s in result.intents.shares) == pytest.approx(1.0)
    assert result.intents.shares[0].count == max(expected.values())


def _customer_mean(analysis: ConversationAnalysis) -> float | None:
    sentiment = analysis.sentiment
    trajectory = sentiment.speaker(Speaker.CUSTOMER) if sentiment else None
    return trajectory.mean if trajectory else None


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("persuasion4good", "persuasion4good"),
        ("craigslist_bargain", "craigslist_bargain/dev.json"),
    ],
)
def test_dynamics_and_sentiment_against_outcome(
    datasets_dir: Path, runtime: AnalysisRuntime, name: str, path: str
) -> None:
    conversations = _load(datasets_dir, name, path, 120)
    analyses = analyze_batch(conversations, runtime=runtime, dataset=name)
    result = aggregate(analyses, runtime.options, dataset=name)
    converted = sum(c.outcome is not None and c.outcome.converted is True for c in conversations)
    assert result.outcomes.conversion.n == len(conversations)
    assert result.outcomes.conversion.successes == converted
    assert 0 < converted < len(conversations)

    yes = [a for a in analyses if a.outcome.converted]
    no = [a for a in analyses if a.outcome.converted is False]
    effects = {
        "customer_sentiment_mean": metric_separation(
            "customer_sentiment_mean",
            [_customer_mean(a) for a in yes],
            [_customer_mean(a) for a in no],
        ),
        "speaker_switches": metric_separation(
            "speaker_switches",
            [float(a.dynamics.speaker_switches) for a in yes],
            [float(a.dynamics.speaker_switches) for a in no],
        ),
    }
    for effect in effects.values():
        assert isinstance(effect, MetricSeparation)
        assert -1.0 <= effect.ci_low <= effect.cliffs_delta <= effect.ci_high <= 1.0
        assert effect.n_converted + effect.n_not_converted + effect.unavailable == len(analyses)
    # the engine's per-conversation sentiment is the separation module's own metric
    reference = {m.metric: m for m in separate(conversations, resamples=200).metrics}
    ours = effects["customer_sentiment_mean"]
    assert isinstance(ours, MetricSeparation)
    assert ours.cliffs_delta == pytest.approx(
        reference["customer_sentiment_mean"].cliffs_delta, abs=0.01
    )
