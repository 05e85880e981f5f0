"""Dataset aggregates: built from analyses alone, streamed, filtered like the records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from colloquy.analytics.analysis import (
    AnalysisRuntime,
    ConversationAnalysis,
    aggregate,
    analyze_batch,
    analyze_dataset,
    matches_analysis,
)
from colloquy.analytics.dynamics import summarize_by_group, summarize_conversations
from colloquy.analytics.failures import FailureType
from colloquy.analytics.outcomes import (
    Bucket,
    ConversationFilter,
    OutcomeKind,
    outcome_rate,
    outcome_trends,
)
from colloquy.schema import Conversation

from .conftest import Build

HAPPY = "Great, thank you so much, that is wonderful"
ANGRY = "This is terrible, awful service. I hate it and I am furious."


@pytest.fixture(scope="module")
def dataset(make: Build) -> list[Conversation]:
    return [
        make(
            "t1",
            ("customer", "Hi, my card does not work"),
            ("agent", "It is fixed now, all set."),
            ("customer", HAPPY),
            seconds=(0, 60, 90),
            metadata={"brand": "Acme"},
            labels={"intent": "card"},
        ),
        make(
            "t2",
            ("customer", HAPPY),
            ("agent", "Your order was cancelled."),
            ("customer", ANGRY),
            ("customer", "I want to speak to a manager now"),
            seconds=(0, 300, 400, 420),
            day=1,
            metadata={"brand": "Acme"},
            labels={"intent": "order"},
        ),
        make(
            "t3",
            ("customer", "Where is my refund?"),
            ("agent", "Could you give me the order number?"),
            seconds=(0, 30),
            day=3,
            metadata={"brand": "Globex"},
            channel="twitter",
            labels={"intent": "refund"},
        ),
        make(
            "u1",
            ("customer", "Can I change my seat?"),
            ("agent", "Done, your seat is changed."),
            labels={"intent": "seat"},
            converted=True,
        ),
        make(
            "es",
            ("customer", "Hola, mi pedido no ha llegado todavía y estoy muy enfadado"),
            ("agent", "Lo sentimos mucho, vamos a revisar su pedido ahora mismo"),
            seconds=(0, 45),
            day=1,
        ),
    ]


@pytest.fixture(scope="module")
def analyses(dataset: list[Conversation], runtime: AnalysisRuntime) -> list[ConversationAnalysis]:
    return analyze_batch(dataset, runtime=runtime, dataset="hand")


def test_aggregate_of_analyses_equals_the_dataset_pass(
    dataset: list[Conversation], analyses: list[ConversationAnalysis], runtime: AnalysisRuntime
) -> None:
    direct = analyze_dataset(dataset, runtime=runtime, dataset="hand", batch_size=2)
    rebuilt = aggregate(iter(analyses), runtime.options, dataset="hand")
    assert rebuilt == direct
    assert direct.conversations == 5
    assert direct.turns == sum(len(c.turns) for c in dataset)
    assert direct.fingerprint == runtime.options.fingerprint()


def test_counts_rates_and_english_only_exclusions(
    analyses: list[ConversationAnalysis], runtime: AnalysisRuntime
) -> None:
    result = aggregate(analyses, runtime.options)
    assert result.non_english == 1
    skipped = {s.part: s.conversations for s in result.english_only_skipped}
    assert skipped["sentiment"] == 1
    assert skipped["resolved"] == 1
    # the Spanish conversation's text verdicts are left out of both rates
    assert result.outcomes.resolution.n == 4
    assert result.outcomes.escalation.n == 4
    assert result.outcomes.escalation.successes == 1  # t2 asks for a manager
    assert result.outcomes.conversion.n == 1
    assert result.sentiment.scored == 4
    assert result.sentiment.skipped == 1
    assert sum(b.count for b in result.sentiment.csat_bins) == 4
    assert result.intents == result.outcomes.intents
    assert {s.intent for s in result.intents.shares} == {"card", "order", "refund", "seat"}
    assert result.intents.unknown == 1


def test_failures_association_and_flow(
    analyses: list[ConversationAnalysis], runtime: AnalysisRuntime
) -> None:
    result = aggregate(analyses, runtime.options)
    kinds = {rank.type for rank in result.failures.ranks}
    assert {FailureType.SENTIMENT_DROP, FailureType.ESCALATION, FailureType.ABANDONMENT} <= kinds
    assert result.failures.conversations == 5
    association = {a.type: a for a in result.failure_association.associations}
    escalation = association[FailureType.ESCALATION]
    assert escalation.part_of_definition
    assert escalation.with_failure.n == 1
    assert escalation.with_failure.successes == 1
    assert not association[FailureType.SENTIMENT_DROP].part_of_definition
    assert result.failure_association.conversations == 5
    # plain transcripts without an intent model have no state to trace
    assert result.flow.conversations == 0
    assert result.flow.untraced == 5


def test_sentiment_and_outcome_trends_are_gap_free(
    analyses: list[ConversationAnalysis], runtime: AnalysisRuntime
) -> None:
    result = aggregate(analyses, runtime.options)
    trend = result.sentiment.trend
    assert [p.start for p in trend.points] == [date(2024, 5, d) for d in (6, 7, 8, 9)]
    assert [p.conversations for p in trend.points] == [1, 1, 0, 1]
    assert trend.points[2].customer_mean is None  # a hole, not a zero
    assert trend.undated == 1
    kinds = [series.kind for series in result.trends]
    assert kinds == [OutcomeKind.RESOLUTION, OutcomeKind.ESCALATION, OutcomeKind.CONVERSION]
    assert result.trends[0].undated == 1


@pytest.mark.parametrize(
    "pairs",
    [
        ["brand=Acme"],
        ["channel=twitter"],
        ["from=2024-05-07", "to=2024-05-08"],
        ["intent=card", "intent=seat"],
        ["speaker=agent"],
        ["source=nowhere"],
    ],
)
def test_filter_on_analyses_matches_the_filter_on_records(
    pairs: list[str],
    dataset: list[Conversation],
    analyses: list[ConversationAnalysis],
    runtime: AnalysisRuntime,
) -> None:
    where = ConversationFilter.from_pairs(pairs)
    for conversation, analysis in zip(dataset, analyses, strict=True):
        expected = where.matches_record(conversation) and where.matches_intent(analysis.intent)
        assert matches_analysis(where, analysis) == expected
    kept = sum(matches_analysis(where, a) for a in analyses)
    filtered = aggregate(analyses, runtime.options, where=where)
    assert (filtered.conversations, filtered.excluded) == (kept, len(analyses) - kept)
    direct = analyze_dataset(dataset, runtime=runtime, where=where)
    assert direct.conversations == kept
    assert direct.excluded == len(analyses) - kept


def test_streaming_input_and_progress(
    dataset: list[Conversation], runtime: AnalysisRuntime
) -> None:
    def stream() -> Iterator[Conversation]:
        yield from dataset

    seen: list[int] = []
    result = analyze_dataset(stream(), runtime=runtime, batch_size=2, on_progress=seen.append)
    assert result.conversations == len(dataset)
    assert seen == sorted(seen)
    assert seen[-1] == len(dataset)


def test_empty_dataset_has_no_values_not_zeros(runtime: AnalysisRuntime) -> None:
    result = analyze_dataset([], runtime=runtime)
    assert result.conversations == 0
    assert result.outcomes.resolution.value is None
    assert result.sentiment.csat is None
    assert result.dynamics.first_response_seconds is None
    assert result.failures.ranks == ()
    assert result.flow.paths == ()


def test_streamed_dynamics_equal_the_dynamics_module_summaries(
    dataset: list[Conversation], analyses: list[ConversationAnalysis], runtime: AnalysisRuntime
) -> None:
    result = aggregate(analyses, runtime.options)
    assert result.dynamics == summarize_conversations(dataset)
    assert result.dynamics_by_brand == summarize_by_group(dataset)


def test_conversion_rate_and_trend_equal_the_outcome_module(
    analyses: list[ConversationAnalysis], runtime: AnalysisRuntime
) -> None:
    result = aggregate(analyses, runtime.options)
    outcomes = [a.outcome for a in analyses]
    assert result.outcomes.conversion == outcome_rate(outcomes, OutcomeKind.CONVERSION)
    assert result.trends[2] == outcome_trends(outcomes, OutcomeKind.CONVERSION, Bucket.DAY)
