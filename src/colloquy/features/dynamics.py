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
    words = [word_count(t.text) for t in spoken]
    speakers = [t.speaker for t in spoken]
    times = [turn_seconds(t) for t in spoken]
    total_words = sum(words)
    customer_words = sum(w for w, s in zip(words, speakers, strict=True) if s is Speaker.CUSTOMER)
    agents = {Speaker.AGENT, Speaker.BOT}
    return DialogueDynamics(
        turns=len(spoken),
        customer_turns=sum(1 for s in speakers if s is Speaker.CUSTOMER),
        agent_turns=sum(1 for s in speakers if s in agents),
        customer_word_share=customer_words / total_words if total_words else 0.0,
        customer_time_share=_time_share(speakers, times),
        longest_monologue_words=int(longest_run(speakers, words)),
        longest_customer_monologue_words=int(longest_run(speakers, words, Speaker.CUSTOMER)),
        customer_question_rate=question_rate(spoken, {Speaker.CUSTOMER}) or 0.0,
        agent_question_rate=question_rate(spoken, agents) or 0.0,
        mean_agent_response_seconds=_mean(reply_lags(speakers, times, agents)),
        mean_customer_response_seconds=_mean(reply_lags(speakers, times, {Speaker.CUSTOMER})),
        duration_seconds=duration(times),
    )


def dynamics_matrix(
    conversations: Iterable[Conversation], *, first_turns: int | None = None
) -> list[list[float]]:
    """One :meth:`DialogueDynamics.vector` row per conversation."""
    return [dialogue_dynamics(c, first_turns=first_turns).vector() for c in conversations]


def word_count(text: str) -> int:
    """Words in ``text`` (runs of letters, digits and underscores)."""
    return len(_WORD.findall(text))


def is_question(text: str) -> bool:
    """A question mark anywhere, or a line opening with a question word (``how``, ``can``…)."""
    return _QUESTION.search(text.strip()) is not None


def turn_seconds(turn: Turn) -> float | None:
    """When ``turn`` started, in seconds: its timestamp, else ``extra["offset_seconds"]``.

    Transcript formats keep offsets from the start of the call; either scale works for the
    differences every metric here takes, and a turn with neither is untimed (``None``).
    """
    if turn.timestamp is not None:
        return turn.timestamp.timestamp()
    offset = turn.extra.get("offset_seconds")
    if isinstance(offset, (int, float)) and not isinstance(offset, bool):
        return float(offset)
    return None


def longest_run(
    speakers: Sequence[Speaker], amounts: Sequence[float], who: Speaker | None = None
) -> float:
    """Largest sum of ``amounts`` over consecutive turns of one speaker (``who`` or anyone)."""
    best = current = 0.0
    previous: Speaker | None = None
    for speaker, amount in zip(speakers, amounts, strict=True):
        current = current + amount if speaker is previous else amount
        previous = speaker
        if who is None or speaker is who:
            best = max(best, current)
    return best


def question_rate(turns: Sequence[Turn], speakers: set[Speaker]) -> float | None:
    """Share of the turns by ``speakers`` that ask something; ``None`` when they said nothing."""
    theirs = [t for t in turns if t.speaker in speakers]
    if not theirs:
        return None
    return sum(1 for t in theirs if is_question(t.text)) / len(theirs)


def reply_lags(
    speakers: Sequence[Speaker], times: Sequence[float | None], responders: set[Speaker]
) -> list[float]:
    """Seconds between each turn and the reply to it by ``responders`` (timed pairs only)."""
    return [
        current_time - before_time
        for (before, before_time), (current, current_time) in itertools.pairwise(
            zip(speakers, times, strict=True)
        )
        if current in responders
        and before not in responders
        and current_time is not None
        and before_time is not None
    ]


def floor_seconds(speakers: Sequence[Speaker], times: Sequence[float | None]) -> list[float] | None:
    """How long each turn held the floor: until the next turn began (the last turn: 0).

    ``None`` unless every turn is timed; a clock that runs backwards counts as 0.
    """
    if any(t is None for t in times):
        return None
    stamps = [t for t in times if t is not None]
    return [max(after - before, 0.0) for before, after in itertools.pairwise(stamps)] + (
        [0.0] if stamps else []
    )


def duration(times: Sequence[float | None]) -> float | None:
    """Seconds from the earliest to the latest timed turn; ``None`` with fewer than two."""
    stamps = [t for t in times if t is not None]
    if len(stamps) < 2:
        return None
    return max(stamps) - min(stamps)


def _time_share(speakers: Sequence[Speaker], times: Sequence[float | None]) -> float | None:
    """Share of the timed conversation during which the customer held the floor."""
    floors = floor_seconds(speakers, times)
    if floors is None:
        return None
    total = sum(floors)
    customer = sum(f for s, f in zip(speakers, floors, strict=True) if s is Speaker.CUSTOMER)
    return customer / total if total else None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None
