from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from colloquy.analytics.outcomes import (
    ConversationFilter,
    assess_outcomes,
    conversation_brand,
    conversation_day,
)
from colloquy.errors import UsageError
from colloquy.schema import Conversation, Speaker

Make = Callable[..., Conversation]


def test_from_pairs_builds_every_criterion() -> None:
    where = ConversationFilter.from_pairs(
        [
            "from=2024-01-01",
            "to=2024-01-31",
            "channel=twitter",
            "channel=chat",
            "source=sgd",
            "brand=AppleSupport",
            "intent=refund",
            "Speaker=Customer",
        ]
    )
    assert where == ConversationFilter(
        start=date(2024, 1, 1),
        end=date(2024, 1, 31),
        channels=frozenset({"twitter", "chat"}),
        sources=frozenset({"sgd"}),
        brands=frozenset({"AppleSupport"}),
        intents=frozenset({"refund"}),
        speakers=frozenset({Speaker.CUSTOMER}),
    )


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("colour=red", "unknown filter key 'colour' in 'colour=red'; use one of: from, to,"),
        ("channel", "is not KEY=VALUE"),
        ("channel=", "is not KEY=VALUE"),
        ("from=yesterday", "filter from='yesterday' is not a date; use YYYY-MM-DD"),
        ("speaker=robot", "speaker='robot' is not a speaker; use one of: customer, agent"),
    ],
)
def test_bad_pairs_are_one_line_usage_errors(pair: str, message: str) -> None:
    with pytest.raises(UsageError, match=r"^[^\n]+$") as caught:
        ConversationFilter.from_pairs([pair])
    assert message in str(caught.value)


def test_two_start_dates_and_empty_ranges_are_refused() -> None:
    with pytest.raises(UsageError, match="'from' given 2 times"):
        ConversationFilter.from_pairs(["from=2024-01-01", "from=2024-02-01"])
    with pytest.raises(UsageError, match="from 2024-02-01 is after to 2024-01-01"):
        ConversationFilter.from_pairs(["from=2024-02-01", "to=2024-01-01"])


def test_day_falls_back_to_first_timestamp_and_brand_to_metadata(make: Make) -> None:
    undated = make("a", ("customer", "hi"))
    assert conversation_day(undated) is None
    assert conversation_brand(undated) is None
    dated = make("b", ("customer", "hi"), started="2024-03-05T23:30:00-02:00")
    assert conversation_day(dated) == date(2024, 3, 6)
    tweeted = make("c", ("customer", "hi"), metadata={"brand": "Delta"})
    assert conversation_brand(tweeted) == "Delta"


def _ids(make: Make, where: ConversationFilter) -> list[str]:
    conversations = [
        make("jan", ("customer", "hi"), ("agent", "hello"), started="2024-01-10T10:00:00"),
        make(
            "feb",
            ("customer", "hi"),
            started="2024-02-10T10:00:00",
            channel="twitter",
            source="twitter_support",
            metadata={"brand": "Delta"},
        ),
        make("none", ("customer", ""), ("bot", "hello"), labels={"intent": "refund"}),
    ]
    return [outcome.conversation_id for outcome in assess_outcomes(conversations, where=where)]


def test_each_criterion_selects_the_matching_conversations(make: Make) -> None:
    assert _ids(make, ConversationFilter()) == ["jan", "feb", "none"]
    assert _ids(make, ConversationFilter(start=date(2024, 2, 1))) == ["feb"]
    assert _ids(make, ConversationFilter(end=date(2024, 1, 10))) == ["jan"]
    assert _ids(make, ConversationFilter(channels=frozenset({"twitter"}))) == ["feb"]
    assert _ids(make, ConversationFilter(sources=frozenset({"test"}))) == ["jan", "none"]
    assert _ids(make, ConversationFilter(brands=frozenset({"Delta"}))) == ["feb"]
    assert _ids(make, ConversationFilter(intents=frozenset({"refund"}))) == ["none"]
    assert _ids(make, ConversationFilter(speakers=frozenset({Speaker.AGENT}))) == ["jan"]
    # "none" has a customer turn, but it is empty.
    assert _ids(make, ConversationFilter(speakers=frozenset({Speaker.CUSTOMER}))) == ["jan", "feb"]
    both = ConversationFilter(sources=frozenset({"test"}), speakers=frozenset({Speaker.BOT}))
    assert _ids(make, both) == ["none"]
