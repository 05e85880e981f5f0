"""Talk dynamics of one conversation: who talks, how long, how fast the other side answers.

Contact-centre and sales-coaching tools report these per call. Every metric that
:mod:`colloquy.features.dynamics` already computes for the conversion models (word counts,
questions, monologue runs, reply lags, floor time, duration) is taken from there, so one
definition serves both. Only speech counts (:func:`colloquy.features.transcript.is_spoken`).

Time comes from ``Turn.timestamp`` or ``Turn.extra["offset_seconds"]``. A time metric is
``None`` (reported as unavailable) when the turns it needs are untimed, never 0.
Definitions, with the customer on one side and the agent or bot on the other:

* **talk ratio**: each speaker's share of the words, and of the floor time (a turn holds
  the floor until the next turn starts; this needs every spoken turn timed);
* **longest monologue**: most words, and most floor seconds, over consecutive turns of one
  speaker;
* **interactivity**: speaker switches per minute of handle time;
* **question rate**: share of a speaker's turns that ask something;
* **response time**: seconds from the turn just before an agent reply to that reply;
* **patience** (customer wait): seconds from the first customer message the agent has not
  yet answered to the agent's reply; **first response time** is the first such wait;
* **handle time**: seconds from the first to the last spoken turn.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from colloquy.features.dynamics import (
    duration,
    floor_seconds,
    is_question,
    longest_run,
    question_rate,
    reply_lags,
    turn_seconds,
    word_count,
)
from colloquy.features.transcript import is_spoken
from colloquy.schema import Conversation, Speaker, Turn

AGENTS: frozenset[Speaker] = frozenset({Speaker.AGENT, Speaker.BOT})
"""The side that answers the customer."""


@dataclass(frozen=True, slots=True)
class SpeakerTalk:
    """How much one speaker (a role) said; time fields are ``None`` without timestamps."""

    speaker: Speaker
    turns: int
    words: int
    word_share: float | None
    seconds: float | None
    time_share: float | None
    questions: int
    question_rate: float | None


@dataclass(frozen=True, slots=True)
class TalkDynamics:
    """The talk dynamics of one conversation (see the module docstring for definitions).

    ``response_seconds`` and ``customer_wait_seconds`` list one value per agent reply to
    the customer, in order; they are ``None`` when the conversation is untimed and empty
    when it is timed but the agent never answered a customer turn.
    """

    conversation_id: str
    turns: int
    timed: bool
    speakers: tuple[SpeakerTalk, ...]
    speaker_switches: int
    longest_monologue_words: int
    longest_monologue_seconds: float | None
    interactivity_per_minute: float | None
    first_response_seconds: float | None
    response_seconds: tuple[float, ...] | None
    customer_wait_seconds: tuple[float, ...] | None
    patience_seconds: float | None
    handle_seconds: float | None

    def speaker(self, who: Speaker) -> SpeakerTalk | None:
        """The talk of ``who``, or ``None`` when they said nothing."""
        return next((s for s in self.speakers if s.speaker is who), None)


def talk_dynamics(conversation: Conversation) -> TalkDynamics:
    """The :class:`TalkDynamics` of ``conversation``'s spoken turns."""
    spoken = [t for t in conversation.turns if is_spoken(t)]
    speakers = [t.speaker for t in spoken]
    words = [word_count(t.text) for t in spoken]
    times = [turn_seconds(t) for t in spoken]
    floors = floor_seconds(speakers, times)
    handle = duration(times)
    switches = sum(1 for a, b in itertools.pairwise(speakers) if a is not b)
    timed = handle is not None
    waits = _customer_waits(speakers, times) if timed else None
    return TalkDynamics(
        conversation_id=conversation.id,
        turns=len(spoken),
        timed=timed,
        speakers=_speaker_talk(spoken_speakers=speakers, words=words, floors=floors, spoken=spoken),
        speaker_switches=switches,
        longest_monologue_words=int(longest_run(speakers, words)),
        longest_monologue_seconds=longest_run(speakers, floors) if floors else None,
        interactivity_per_minute=switches / (handle / 60) if handle else None,
        first_response_seconds=waits[0] if waits else None,
        response_seconds=tuple(reply_lags(speakers, times, set(AGENTS))) if timed else None,
        customer_wait_seconds=tuple(waits) if waits is not None else None,
        patience_seconds=sum(waits) / len(waits) if waits else None,
        handle_seconds=handle,
    )


def _speaker_talk(
    *,
    spoken_speakers: Sequence[Speaker],
    words: Sequence[int],
    floors: Sequence[float] | None,
    spoken: Sequence[Turn],
) -> tuple[SpeakerTalk, ...]:
    """One :class:`SpeakerTalk` per role that spoke, in :class:`Speaker` order."""
    total_words = sum(words)
    total_seconds = sum(floors) if floors is not None else None
    talks = []
    for who in Speaker:
        mine = [i for i, s in enumerate(spoken_speakers) if s is who]
        if not mine:
            continue
        said = sum(words[i] for i in mine)
        seconds = sum(floors[i] for i in mine) if floors is not None else None
        talks.append(
            SpeakerTalk(
                speaker=who,
                turns=len(mine),
                words=said,
                word_share=said / total_words if total_words else None,
                seconds=seconds,
                time_share=seconds / total_seconds
                if seconds is not None and total_seconds
                else None,
                questions=sum(1 for i in mine if is_question(spoken[i].text)),
                question_rate=question_rate(spoken, {who}),
            )
        )
    return tuple(talks)


def _customer_waits(speakers: Sequence[Speaker], times: Sequence[float | None]) -> list[float]:
    """Per agent reply: seconds since the first customer message it answers (timed ones)."""
    waits: list[float] = []
    waiting_since: float | None = None
    waiting = False
    for speaker, time in zip(speakers, times, strict=True):
        if speaker is Speaker.CUSTOMER and not waiting:
            waiting, waiting_since = True, time
        elif speaker in AGENTS and waiting:
            if waiting_since is not None and time is not None:
                waits.append(max(time - waiting_since, 0.0))
            waiting, waiting_since = False, None
    return waits
