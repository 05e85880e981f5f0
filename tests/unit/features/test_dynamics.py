"""Dialogue dynamics on a hand-made call and on real Twitter threads and negotiations."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from colloquy.data.loaders import get_loader
from colloquy.features.dynamics import FEATURE_NAMES, dialogue_dynamics, dynamics_matrix
from colloquy.schema import Conversation, DialogueAct, Turn

START = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def _call() -> Conversation:
    script = [
        ("agent", "Hi, thanks for calling. How can I help today?", 0),
        ("customer", "My card was charged twice for the same order", 5),
        ("customer", "and I need the money back before Friday", 9),
        ("agent", "I can see both charges. I will refund one of them now.", 30),
        ("customer", "Great, thanks", 40),
    ]
    return Conversation(
        id="call",
        source="test",
        turns=tuple(
            Turn(index=i, speaker=who, text=text, timestamp=START + timedelta(seconds=s))
            for i, (who, text, s) in enumerate(script)
        ),
    )


def test_hand_made_call() -> None:
    dynamics = dialogue_dynamics(_call())
    assert (dynamics.turns, dynamics.customer_turns, dynamics.agent_turns) == (5, 3, 2)
    assert dynamics.longest_customer_monologue_words == 17
    assert dynamics.agent_question_rate == 0.5
    assert dynamics.customer_question_rate == 0.0
    assert dynamics.mean_agent_response_seconds == 21.0
    assert dynamics.mean_customer_response_seconds == pytest.approx((5 + 10) / 2)
    assert dynamics.duration_seconds == 40.0
    assert dynamics.customer_time_share == pytest.approx(25 / 40)
    assert 0.4 < dynamics.customer_word_share < 0.6


def test_prefix_sees_only_the_first_turns() -> None:
    prefix = dialogue_dynamics(_call(), first_turns=2)
    assert (prefix.turns, prefix.duration_seconds) == (2, 5.0)


def test_structured_events_are_not_speech() -> None:
    conversation = Conversation(
        id="deal",
        source="test",
        turns=(
            Turn(index=0, speaker="customer", text="Would you take 100?"),
            Turn(index=1, speaker="agent", text="", dialogue_acts=(DialogueAct(act="ACCEPT"),)),
        ),
    )
    dynamics = dialogue_dynamics(conversation)
    assert (dynamics.turns, dynamics.agent_turns) == (1, 0)
    vector = dynamics.vector()
    assert len(vector) == len(FEATURE_NAMES)
    assert math.isnan(vector[FEATURE_NAMES.index("duration_seconds")])


def test_real_twitter_threads_have_response_lags(datasets_dir: Path) -> None:
    threads = list(get_loader("twitter_support").load(datasets_dir / "twitter_support"))
    rows = dynamics_matrix(threads)
    assert len(rows) == 1312
    lag = FEATURE_NAMES.index("mean_agent_response_seconds")
    answered = [row[lag] for row in rows if not math.isnan(row[lag])]
    assert len(answered) > 1000
    assert all(value >= 0 for value in answered)
