"""Talk dynamics of hand-built transcripts whose every value is worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from colloquy.analytics.dynamics import TalkDynamics, talk_dynamics
from colloquy.schema import Conversation, Speaker, Turn
from colloquy.schema.conversation import EVENT_KEY

START = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)

# speaker, text, seconds after START. Words: agent 5 + 6 + 5 = 16, customer 4 + 5 + 1 + 4 = 14.
SCRIPT = (
    ("agent", "Hello, how can I help?", 0),
    ("customer", "My order never arrived", 10),
    ("customer", "It was due on Monday", 20),
    ("agent", "Sorry about that. Let me check.", 50),
    ("customer", "Thanks", 55),
    ("agent", "It ships today. Anything else?", 115),
    ("customer", "No, that is all", 120),
)


def _conversation(timing: str) -> Conversation:
    turns = []
    for index, (who, text, seconds) in enumerate(SCRIPT):
        stamp = START + timedelta(seconds=seconds) if timing == "timestamp" else None
        extra = {"offset_seconds": float(seconds)} if timing == "offset" else {}
        turns.append(Turn(index=index, speaker=who, text=text, timestamp=stamp, extra=extra))
    return Conversation(id=f"call-{timing}", source="test", turns=tuple(turns))


def _talk(dynamics: TalkDynamics, who: Speaker) -> tuple[object, ...]:
    """Turns, words, floor seconds and question rate (a third for the agent's 2 of 3)."""
    talk = dynamics.speaker(who)
    assert talk is not None
    rate = None if talk.question_rate is None else round(talk.question_rate, 6)
    return talk.turns, talk.words, talk.seconds, rate


@pytest.mark.parametrize("timing", ["timestamp", "offset"])
def test_timed_call(timing: str) -> None:
    dynamics = talk_dynamics(_conversation(timing))
    assert dynamics.turns == 7
    assert dynamics.timed
    # Floor time: each turn until the next starts: 10, 10, 30, 5, 60, 5, 0 seconds.
    assert _talk(dynamics, Speaker.AGENT) == (3, 16, 20.0, round(2 / 3, 6))
    assert _talk(dynamics, Speaker.CUSTOMER) == (4, 14, 100.0, 0.0)
    customer = dynamics.speaker(Speaker.CUSTOMER)
    assert customer is not None
    assert customer.word_share == pytest.approx(14 / 30)
    assert customer.time_share == pytest.approx(100 / 120)
    assert dynamics.speaker(Speaker.BOT) is None
    # Runs: agent 5 words / 10 s, customer 9 / 40, agent 6 / 5, customer 1 / 60, ...
    assert dynamics.longest_monologue_words == 9
    assert dynamics.longest_monologue_seconds == 60.0
    # Five switches in two minutes.
    assert dynamics.speaker_switches == 5
    assert dynamics.interactivity_per_minute == pytest.approx(2.5)
    # Replies: 50 - 20 and 115 - 55; the customer waited since 10 and since 55.
    assert dynamics.response_seconds == (30.0, 60.0)
    assert dynamics.customer_wait_seconds == (40.0, 60.0)
    assert dynamics.first_response_seconds == 40.0
    assert dynamics.patience_seconds == 50.0
    assert dynamics.handle_seconds == 120.0


def test_untimed_call_reports_time_as_unavailable() -> None:
    dynamics = talk_dynamics(_conversation("none"))
    assert not dynamics.timed
    assert _talk(dynamics, Speaker.AGENT) == (3, 16, None, round(2 / 3, 6))
    assert dynamics.longest_monologue_words == 9
    assert dynamics.speaker_switches == 5
    unavailable = (
        dynamics.longest_monologue_seconds,
        dynamics.interactivity_per_minute,
        dynamics.response_seconds,
        dynamics.customer_wait_seconds,
        dynamics.first_response_seconds,
        dynamics.patience_seconds,
        dynamics.handle_seconds,
    )
    assert unavailable == (None,) * 7
    assert all(s.time_share is None and s.seconds is None for s in dynamics.speakers)


def test_single_speaker() -> None:
    conversation = Conversation(
        id="alone",
        source="test",
        turns=(
            Turn(index=0, speaker="customer", text="Is anyone there?", timestamp=START),
            Turn(
                index=1,
                speaker="customer",
                text="Hello hello",
                timestamp=START + timedelta(seconds=30),
            ),
        ),
    )
    dynamics = talk_dynamics(conversation)
    assert [s.speaker for s in dynamics.speakers] == [Speaker.CUSTOMER]
    assert dynamics.speakers[0].word_share == 1.0
    assert dynamics.speakers[0].question_rate == 0.5
    assert dynamics.longest_monologue_words == 5
    assert dynamics.longest_monologue_seconds == 30.0
    assert (dynamics.speaker_switches, dynamics.interactivity_per_minute) == (0, 0.0)
    # Timed, but nobody answered: no reply times and no first response, not zeros.
    assert dynamics.response_seconds == ()
    assert dynamics.customer_wait_seconds == ()
    assert (dynamics.first_response_seconds, dynamics.patience_seconds) == (None, None)
    assert dynamics.handle_seconds == 30.0


def test_empty_and_event_turns_are_not_speech() -> None:
    conversation = Conversation(
        id="events",
        source="test",
        turns=(
            Turn(index=0, speaker="customer", text="Price?", timestamp=START),
            Turn(index=1, speaker="agent", text="   ", timestamp=START + timedelta(seconds=5)),
            Turn(
                index=2,
                speaker="agent",
                text="",
                extra={EVENT_KEY: "offer"},
                timestamp=START + timedelta(seconds=6),
            ),
            Turn(index=3, speaker="agent", text="Ten", timestamp=START + timedelta(seconds=9)),
        ),
    )
    dynamics = talk_dynamics(conversation)
    assert dynamics.turns == 2
    assert dynamics.response_seconds == (9.0,)
    assert dynamics.first_response_seconds == 9.0


def test_no_turns() -> None:
    dynamics = talk_dynamics(Conversation(id="empty", source="test"))
    assert (dynamics.turns, dynamics.speakers, dynamics.longest_monologue_words) == (0, (), 0)
    assert not dynamics.timed
    assert dynamics.handle_seconds is None
    assert dynamics.longest_monologue_seconds is None
