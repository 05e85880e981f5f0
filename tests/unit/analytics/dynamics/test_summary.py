"""Dataset summaries of talk dynamics: hand-computed percentiles, bins and per-brand groups,
and a smoke run over real Twitter support threads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from colloquy.analytics.dynamics import (
    RESPONSE_BIN_EDGES,
    Distribution,
    brand_of,
    distribution,
    response_histogram,
    summarize_by_group,
    summarize_conversations,
    talk_dynamics,
)
from colloquy.data.loaders import get_loader
from colloquy.schema import Conversation, Speaker, Turn

START = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def _thread(
    name: str,
    script: Sequence[tuple[str, str, int | None]],
    *,
    brand: str | None = None,
    agent_id: str | None = None,
) -> Conversation:
    """A conversation from (speaker, text, seconds after START or None for untimed)."""
    turns = tuple(
        Turn(
            index=i,
            speaker=who,
            text=text,
            speaker_id=agent_id if who == "agent" else None,
            timestamp=None if seconds is None else START + timedelta(seconds=seconds),
        )
        for i, (who, text, seconds) in enumerate(script)
    )
    metadata = {"brand": brand} if brand else {}
    return Conversation(id=name, source="test", turns=turns, metadata=metadata)


# Replies after 30 s and 60 s; handle time 120 s; five switches.
CALL = [
    ("agent", "Hello, how can I help?", 0),
    ("customer", "My order never arrived", 10),
    ("customer", "It was due on Monday", 20),
    ("agent", "Sorry about that. Let me check.", 50),
    ("customer", "Thanks", 55),
    ("agent", "It ships today. Anything else?", 115),
    ("customer", "No, that is all", 120),
]


def test_distribution_and_bins_by_hand() -> None:
    assert distribution([]) is None
    assert distribution([30.0, 60.0]) == Distribution(
        count=2, mean=45.0, minimum=30.0, p25=37.5, median=45.0, p75=52.5, p90=57.0, maximum=60.0
    )
    bins = response_histogram([0.0, 59.0, 60.0, 3600.0, 200000.0])
    assert [b.lower for b in bins] == list(RESPONSE_BIN_EDGES)
    assert bins[-1].upper is None
    assert [b.count for b in bins] == [2, 1, 0, 0, 1, 0, 1]


def test_summary_of_timed_untimed_and_single_speaker() -> None:
    untimed = [(who, text, None) for who, text, _ in CALL]
    alone = [("customer", "Is anyone there?", 0), ("customer", "Hello hello", 30)]
    summary = summarize_conversations(
        [_thread("call", CALL), _thread("untimed", untimed), _thread("alone", alone)]
    )
    assert (summary.conversations, summary.timed_conversations, summary.replies) == (3, 2, 2)
    assert summary.response_seconds == distribution([30.0, 60.0])
    assert [b.count for b in summary.response_histogram] == [1, 1, 0, 0, 0, 0, 0]
    assert summary.handle_seconds is not None
    assert (summary.handle_seconds.count, summary.handle_seconds.median) == (2, 75.0)
    assert summary.first_response_seconds == distribution([40.0])
    assert summary.patience_seconds == distribution([50.0])
    assert summary.interactivity_per_minute == distribution([2.5, 0.0])
    assert summary.longest_monologue_words == distribution([9.0, 9.0, 5.0])
    assert summary.customer_word_share is not None
    assert summary.customer_word_share.count == 3
    assert summary.customer_word_share.maximum == 1.0
    assert summary.agent_question_rate is not None
    assert summary.agent_question_rate.median == pytest.approx(2 / 3)


def test_nothing_timed_is_unavailable() -> None:
    summary = summarize_conversations([_thread("u", [(w, t, None) for w, t, _ in CALL])])
    assert summary.timed_conversations == 0
    assert summary.response_seconds is None
    assert summary.handle_seconds is None
    assert summary.customer_time_share is None
    assert all(b.count == 0 for b in summary.response_histogram)


def test_groups_by_brand() -> None:
    conversations = [
        _thread("a1", CALL, brand="BrandA", agent_id="BrandA"),
        _thread("a2", CALL[:4], brand="BrandA", agent_id="BrandA"),
        _thread("b1", CALL, agent_id="BrandB"),
        _thread("nobody", [("customer", "Hello?", 0)]),
    ]
    assert [brand_of(c) for c in conversations] == ["BrandA", "BrandA", "BrandB", None]
    groups = summarize_by_group(conversations)
    assert [(g.group, g.summary.conversations) for g in groups] == [("BrandA", 2), ("BrandB", 1)]
    # BrandA answered after 30 and 60 s in a1 and after 30 s in a2.
    assert groups[0].summary.response_seconds == distribution([30.0, 60.0, 30.0])
    assert groups[0].summary.first_response_seconds == distribution([40.0, 40.0])
    by_length = summarize_by_group(conversations, lambda c: str(len(c.turns)))
    assert [g.group for g in by_length] == ["7", "1", "4"]


def test_real_twitter_threads_per_brand(datasets_dir: Path) -> None:
    threads = list(get_loader("twitter_support").load(datasets_dir / "twitter_support"))
    summary = summarize_conversations(threads)
    assert summary.conversations == summary.timed_conversations == len(threads)
    assert summary.replies == sum(b.count for b in summary.response_histogram)
    assert summary.response_seconds is not None
    assert 0 <= summary.response_seconds.minimum <= summary.response_seconds.median
    groups = summarize_by_group(threads)
    branded = [t for t in threads if brand_of(t) is not None]
    assert sum(g.summary.conversations for g in groups) == len(branded)
    assert sum(g.summary.replies for g in groups) == summary.replies
    sizes = [g.summary.conversations for g in groups]
    assert sizes == sorted(sizes, reverse=True)
    # The first reply of a thread, recomputed straight from its turns.
    for thread in branded[:50]:
        first_customer = next(
            (t for t in thread.turns if t.speaker is Speaker.CUSTOMER and t.text.strip()), None
        )
        reply = first_customer and next(
            (
                t
                for t in thread.turns[first_customer.index :]
                if t.speaker is Speaker.AGENT and t.text.strip()
            ),
            None,
        )
        expected = (
            (reply.timestamp - first_customer.timestamp).total_seconds()
            if reply and first_customer and reply.timestamp and first_customer.timestamp
            else None
        )
        assert talk_dynamics(thread).first_response_seconds == expected
