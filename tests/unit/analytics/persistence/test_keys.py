"""Filter keys name what a filter keeps, not how it was written."""

from __future__ import annotations

from datetime import date

from colloquy.analytics.analysis import AnalysisOptions
from colloquy.analytics.failures import FailureType
from colloquy.analytics.flow import FlowLevel
from colloquy.analytics.outcomes import Bucket, ConversationFilter
from colloquy.analytics.persistence import conversation_key, filter_key


def test_the_same_filter_written_differently_has_one_key() -> None:
    one = ConversationFilter.from_pairs(
        ["channel=a", "channel=b", "speaker=agent", "from=2024-01-02"]
    )
    other = ConversationFilter.from_pairs(
        ["from=2024-01-02", "speaker=agent", "channel=b", "channel=a"]
    )
    assert filter_key(one) == filter_key(other)
    assert len(filter_key(one)) == 64


def test_no_filter_is_the_empty_filter() -> None:
    assert filter_key(None) == filter_key(ConversationFilter())


def test_each_criterion_changes_the_key() -> None:
    variants = [
        ConversationFilter(),
        ConversationFilter(start=date(2024, 1, 1)),
        ConversationFilter(end=date(2024, 1, 1)),
        ConversationFilter(channels=frozenset({"x"})),
        ConversationFilter(sources=frozenset({"x"})),
        ConversationFilter(brands=frozenset({"x"})),
        ConversationFilter(intents=frozenset({"x"})),
        ConversationFilter.from_pairs(["speaker=customer"]),
    ]
    assert len({filter_key(v) for v in variants}) == len(variants)


def test_conversation_key_ignores_only_the_aggregate_options() -> None:
    base = AnalysisOptions()
    assert conversation_key(base) == base.fingerprint()
    same = AnalysisOptions(bucket=Bucket.WEEK, flow_level=FlowLevel.TURN)
    assert conversation_key(same) == conversation_key(base)
    for other in (
        AnalysisOptions(detectors=frozenset({FailureType.LOOP})),
        AnalysisOptions(use_annotations=False),
        AnalysisOptions(sentiment_drop=0.7),
    ):
        assert conversation_key(other) != conversation_key(base)
