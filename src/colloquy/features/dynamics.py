"""Dialogue dynamics: who talks how much, how long, how fast, and how often they ask.

Sales coaching tools report these because they track outcomes: talk ratio, the longest
monologue, the rate of questions and how long the other side waits for an answer. They
are computed from the turns alone (text, speaker, timestamps), so the same numbers are
available for a finished call and for the first N turns of one in progress.

Events that are not speech (empty turns, a negotiation's structured offers; see
:func:`colloquy.features.transcript.is_spoken`) are ignored, so outcome-revealing actions
never leak into these features.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from colloquy.features.transcript import is_spoken
from colloquy.schema import Conversation, Speaker, Turn

_QUESTION = re.compile(
    r"\?|^(?:who|what|when|where|why|how|can|could|would|do|does|is|are)\b", re.I
)
_WORD = re.compile(r"\w+")

FEATURE_NAMES: tuple[str, ...] = (
    "turns",
    "customer_turns",
    "agent_turns",
    "customer_word_share",
    "customer_time_share",
    "longest_monologue_words",
    "longest_customer_monologue_words",
    "customer_question_rate",
    "agent_question_rate",
    "mean_agent_response_seconds",
    "mean_customer_response_seconds",
    "duration_seconds",
)


@dataclass(frozen=True, slots=True)
class DialogueDynamics:
    """Talk dynamics of one conversation; time-based values are ``None`` without timestamps."""

    turns: int
    customer_turns: int
    agent_turns: int
    customer_word_share: float
    customer_time_share: float | None
    longest_monologue_words: int
    longest_customer_monologue_words: int
    customer_question_rate: float
    agent_question_rate: float
    mean_agent_response_seconds: float | None
    mean_customer_response_seconds: float | None
    duration_seconds: float | None

    def to_dict(self) -> dict[str, float | int | None]:
        return asdict(self)

    def vector(self) -> list[float]:
        """The values in :data:`FEATURE_NAMES` order, ``None`` as NaN (for imputation)."""
        values = self.to_dict()
        return [float("nan") if values[n] is None else float(values[n] or 0) for n in FEATURE_NAMES]


def dialogue_dynamics(
    conversation: Conversation, *, first_turns: int | None = None
) -> DialogueDynamics:
    """The dynamics of ``conversation`` (or of its first ``first_turns`` turns)."""
    spoken = [t for t in conversation.turns[:first_turns] if is_spoken(t)]
    words = [len(_WORD.findall(t.text)) for t in spoken]
    customer = [t.speaker is Speaker.CUSTOMER for t in spoken]
    total_words = sum(words)
    customer_words = sum(w for w, c in zip(words, customer, strict=True) if c)
    return DialogueDynamics(
        turns=len(spoken),
        customer_turns=sum(customer),
        agent_turns=sum(1 for t in spoken if t.speaker in (Speaker.AGENT, Speaker.BOT)),
        customer_word_share=customer_words / total_words if total_words else 0.0,
        customer_time_share=_time_share(spoken),
        longest_monologue_words=_longest_run(spoken, words, None),
        longest_customer_monologue_words=_longest_run(spoken, words, Speaker.CUSTOMER),
        customer_question_rate=_question_rate(spoken, {Speaker.CUSTOMER}),
        agent_question_rate=_question_rate(spoken, {Speaker.AGENT, Speaker.BOT}),
        mean_agent_response_seconds=_mean_lag(spoken, {Speaker.AGENT, Speaker.BOT}),
        mean_customer_response_seconds=_mean_lag(spoken, {Speaker.CUSTOMER}),
        duration_seconds=_duration(spoken),
    )


def dynamics_matrix(
    conversations: Iterable[Conversation], *, first_turns: int | None = None
) -> list[list[float]]:
    """One :meth:`DialogueDynamics.vector` row per conversation."""
    return [dialogue_dynamics(c, first_turns=first_turns).vector() for c in conversations]


def _longest_run(turns: Sequence[Turn], words: Sequence[int], who: Speaker | None) -> int:
    """Most words said by one speaker without the other side speaking in between."""
    best = current = 0
    previous: Speaker | None = None
    for turn, count in zip(turns, words, strict=True):
        current = current + count if turn.speaker is previous else count
        previous = turn.speaker
        if who is None or turn.speaker is who:
            best = max(best, current)
    return best


def _question_rate(turns: Sequence[Turn], speakers: set[Speaker]) -> float:
    theirs = [t for t in turns if t.speaker in speakers]
    if not theirs:
        return 0.0
    return sum(1 for t in theirs if _QUESTION.search(t.text.strip())) / len(theirs)


def _mean_lag(turns: Sequence[Turn], responders: set[Speaker]) -> float | None:
    """Mean seconds between a turn and the first reply to it by ``responders``."""
    lags = [
        (current.timestamp - before.timestamp).total_seconds()
        for before, current in itertools.pairwise(turns)
        if current.speaker in responders
        and before.speaker not in responders
        and current.timestamp is not None
        and before.timestamp is not None
    ]
    return sum(lags) / len(lags) if lags else None


def _time_share(turns: Sequence[Turn]) -> float | None:
    """Share of the timed conversation during which the customer held the floor."""
    spans = {Speaker.CUSTOMER: 0.0, "other": 0.0}
    for before, current in itertools.pairwise(turns):
        if before.timestamp is None or current.timestamp is None:
            return None
        seconds = max((current.timestamp - before.timestamp).total_seconds(), 0.0)
        spans[Speaker.CUSTOMER if before.speaker is Speaker.CUSTOMER else "other"] += seconds
    total = spans[Speaker.CUSTOMER] + spans["other"]
    return spans[Speaker.CUSTOMER] / total if total else None


def _duration(turns: Sequence[Turn]) -> float | None:
    stamps = [t.timestamp for t in turns if t.timestamp is not None]
    if len(stamps) < 2:
        return None
    return (max(stamps) - min(stamps)).total_seconds()
