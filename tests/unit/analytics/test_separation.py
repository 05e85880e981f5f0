"""Converted-vs-not separation: effect sizes worked out by hand, then a small real-data run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from colloquy.analytics.separation import (
    MetricSeparation,
    SkippedMetric,
    cliffs_delta,
    holm,
    metric_separation,
    separate,
)
from colloquy.data.loaders import get_loader
from colloquy.errors import UsageError
from colloquy.schema import Conversation, Outcome, Turn

TIME_METRICS = {
    "longest_monologue_seconds",
    "interactivity_per_minute",
    "first_response_seconds",
    "median_response_seconds",
    "patience_seconds",
    "handle_seconds",
    "customer_time_share",
    "agent_time_share",
}


def test_cliffs_delta_by_hand() -> None:
    # 2 > 1; 4 > 1, 3; 6 > 1, 3, 5; 8 > all four: 10 of 16 pairs higher, 6 lower.
    assert cliffs_delta([2, 4, 6, 8], [1, 3, 5, 7]) == pytest.approx(0.25)
    # 3 vs 3 is a tie: 8 higher, 0 lower, 1 tie of 9 pairs.
    assert cliffs_delta([3, 4, 5], [1, 2, 3]) == pytest.approx(8 / 9)
    assert cliffs_delta([1, 2, 3], [3, 4, 5]) == pytest.approx(-8 / 9)


def test_cliffs_delta_matches_mann_whitney_u() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.integers(0, 6, 40).astype(float), rng.integers(1, 7, 55).astype(float)
    u = mannwhitneyu(x, y, alternative="two-sided").statistic
    assert cliffs_delta(list(x), list(y)) == pytest.approx(2 * u / (40 * 55) - 1)


def test_separated_groups_have_delta_one_and_a_tight_interval() -> None:
    result = metric_separation("m", [10.0 + i for i in range(10)], [float(i) for i in range(10)])
    assert isinstance(result, MetricSeparation)
    assert (result.median_converted, result.median_not_converted) == (14.5, 4.5)
    assert (result.cliffs_delta, result.ci_low, result.ci_high) == (1.0, 1.0, 1.0)
    assert result.p_value < 0.001
    assert (result.n_converted, result.n_not_converted, result.unavailable) == (10, 10, 0)


def test_known_overlap_effect_and_its_interval() -> None:
    converted = [2.0, 4.0, 6.0, 8.0] * 10
    others = [1.0, 3.0, 5.0, 7.0] * 10
    result = metric_separation("m", converted, others, resamples=500, seed=1)
    assert isinstance(result, MetricSeparation)
    assert result.cliffs_delta == pytest.approx(0.25)
    assert result.ci_low < 0.25 < result.ci_high
    assert result.ci_low >= -1.0
    assert result.ci_high <= 1.0


def test_missing_values_are_counted_not_zero_filled() -> None:
    result = metric_separation("t", [5.0, None, 6.0, 7.0], [None, 1.0, 2.0])
    assert isinstance(result, MetricSeparation)
    assert result.unavailable == 2
    assert (result.n_converted, result.n_not_converted) == (3, 2)
    assert result.median_not_converted == 1.5
    assert result.cliffs_delta == 1.0
    skipped = metric_separation("t", [5.0, 6.0], [None, None, 1.0])
    assert skipped == SkippedMetric(metric="t", unavailable=2)


def test_all_tied_values_have_p_one_and_no_effect() -> None:
    result = metric_separation("flat", [1.0, 1.0, 1.0], [1.0, 1.0])
    assert isinstance(result, MetricSeparation)
    assert (result.cliffs_delta, result.p_value) == (0.0, 1.0)


def test_holm_adjustment_by_hand() -> None:
    # sorted 0.01, 0.03, 0.04 times 3, 2, 1 = 0.03, 0.06, 0.04 -> monotone 0.03, 0.06, 0.06.
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == [1.0, 1.0]


def test_bad_settings_are_one_clear_error() -> None:
    with pytest.raises(UsageError, match="resamples"):
        metric_separation("m", [1.0, 2.0], [3.0, 4.0], resamples=0)


START = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def _chat(cid: str, converted: bool | None, agent: str, customer: str, rounds: int) -> Conversation:
    turns = []
    for r in range(rounds):
        turns.append(Turn(index=2 * r, speaker="agent", text=agent))
        turns.append(Turn(index=2 * r + 1, speaker="customer", text=customer))
    outcome = None if converted is None else Outcome(converted=converted)
    return Conversation(id=cid, source="test", turns=tuple(turns), outcome=outcome)


def _hand_built() -> list[Conversation]:
    happy = "This is wonderful, thank you so much!"
    sad = "This is terrible and I hate it."
    chats = [_chat(f"yes-{i}", True, "Great news, happy to help!", happy, 3 + i) for i in range(4)]
    chats += [_chat(f"no-{i}", False, "Great news, happy to help!", sad, 1 + i) for i in range(3)]
    chats.append(_chat("unknown", None, "hi", "hello", 1))
    return chats


def test_separate_hand_built_conversations() -> None:
    report = separate(_hand_built(), resamples=200)
    assert (report.converted, report.not_converted, report.unlabelled) == (4, 3, 1)
    by_name = {m.metric: m for m in report.metrics}
    # converted customers are positive, the others negative: every pair is higher.
    assert by_name["customer_sentiment_mean"].cliffs_delta == 1.0
    assert by_name["customer_sentiment_mean"].median_converted > 0
    assert by_name["customer_sentiment_mean"].median_not_converted < 0
    # 6, 8, 10, 12 turns vs 2, 4, 6: one tie (6 vs 6) and 11 higher of 12 pairs.
    assert by_name["turns"].cliffs_delta == pytest.approx(11 / 12)
    # the agent says the same thing everywhere: no effect.
    assert by_name["agent_sentiment_mean"].cliffs_delta == 0.0
    # untimed transcripts: every time metric is skipped and counted, none is zero-filled.
    assert {s.metric for s in report.skipped} == TIME_METRICS
    assert all(s.unavailable == 7 for s in report.skipped)
    assert not TIME_METRICS & set(by_name)
    # a one-turn customer has no start-to-end change: left out and counted.
    assert by_name["customer_sentiment_change"].unavailable == 1
    effects = [abs(m.cliffs_delta) for m in report.metrics]
    assert effects == sorted(effects, reverse=True)
    assert all(m.p_holm >= m.p_value for m in report.metrics)


def test_timed_conversations_compare_time_metrics() -> None:
    chats = []
    for i in range(6):
        converted = i % 2 == 0
        gap = 5 if converted else 60
        turns = tuple(
            Turn(
                index=k,
                speaker="customer" if k % 2 == 0 else "agent",
                text="Is it still available?" if k % 2 == 0 else "Yes it is",
                timestamp=START + timedelta(seconds=gap * k + i),
            )
            for k in range(4)
        )
        chats.append(
            Conversation(
                id=f"c{i}", source="test", turns=turns, outcome=Outcome(converted=converted)
            )
        )
    report = separate(chats, resamples=100)
    by_name = {m.metric: m for m in report.metrics}
    assert by_name["first_response_seconds"].median_converted == 5.0
    assert by_name["first_response_seconds"].median_not_converted == 60.0
    assert by_name["first_response_seconds"].cliffs_delta == -1.0
    assert by_name["handle_seconds"].unavailable == 0


def test_one_group_only_is_a_usage_error() -> None:
    only = [c for c in _hand_built() if c.outcome is not None and c.outcome.converted]
    with pytest.raises(UsageError, match="converted and not-converted"):
        separate(only)


def test_small_real_craigslist_run(datasets_dir: Path) -> None:
    loader = get_loader("craigslist_bargain")
    conversations = list(loader.load(datasets_dir / "craigslist_bargain" / "dev.json"))[:150]
    report = separate(conversations, resamples=200)
    assert report.converted + report.not_converted + report.unlabelled == 150
    assert report.converted > 0
    assert report.not_converted > 0
    by_name = {m.metric: m for m in report.metrics}
    # failed negotiations end early: deals have clearly more turns (about +0.6 on all 643).
    assert by_name["turns"].cliffs_delta > 0.3
    assert by_name["turns"].ci_low > 0
    # offers and accepts are events, not speech, and some chats are untimed.
    for m in report.metrics:
        assert -1.0 <= m.ci_low <= m.ci_high <= 1.0
        assert m.n_converted + m.n_not_converted + m.unavailable == 150 - report.unlabelled
