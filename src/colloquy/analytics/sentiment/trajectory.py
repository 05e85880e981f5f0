"""How sentiment moves through a conversation: per turn, per speaker, start to end.

A support lead reads a conversation's mood as a path, not an average: a customer who
arrives angry and leaves pleased is a success a mean would hide. So each spoken turn keeps
its score (:class:`TurnSentiment`), each speaker gets a :class:`SpeakerTrajectory` (first,
last, mean, lowest and the start-to-end change) and the customer's path becomes a
satisfaction proxy on the familiar 1–5 CSAT scale (:func:`csat_estimate`).

Only spoken, non-empty turns are scored (:func:`colloquy.features.transcript.is_spoken`);
a speaker with no such turn has no trajectory, and a conversation without a customer turn
has no CSAT estimate (``None``), never a neutral 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from colloquy.analytics.sentiment.base import SentimentModel, SentimentScore
from colloquy.errors import UsageError
from colloquy.features.transcript import is_spoken
from colloquy.schema import Conversation, Speaker, Turn

CSAT_MIN = 1.0
CSAT_MAX = 5.0


@dataclass(frozen=True, slots=True)
class TurnSentiment:
    """One spoken turn's score; ``at`` is its timestamp when the conversation is timed."""

    turn_index: int
    speaker: Speaker
    score: SentimentScore
    at: datetime | None


@dataclass(frozen=True, slots=True)
class SpeakerTrajectory:
    """One speaker's compound polarity over their turns, in [-1, 1].

    ``change`` is ``end - start``; it is ``None`` with a single turn, where there is no
    movement to speak of.
    """

    speaker: Speaker
    turns: int
    start: float
    end: float
    mean: float
    minimum: float
    change: float | None


@dataclass(frozen=True, slots=True)
class SentimentTrajectory:
    """Every scored turn, per-speaker trajectories and the customer's satisfaction proxy."""

    model: str
    turns: tuple[TurnSentiment, ...]
    speakers: tuple[SpeakerTrajectory, ...]
    customer_start: float | None
    customer_end: float | None
    customer_change: float | None
    csat_estimate: float | None

    def speaker(self, who: Speaker) -> SpeakerTrajectory | None:
        """The trajectory of ``who``, or ``None`` when they had no scored turn."""
        return next((s for s in self.speakers if s.speaker is who), None)


def csat_estimate(end: float, change: float | None) -> float:
    """A 1–5 satisfaction proxy from the customer's last compound and start-to-end change.

    ``CSAT = 1 + 4 * (0.5 * (end + 1) / 2 + 0.5 * (change + 2) / 4)``: half the weight on
    where the customer ended (``end`` in [-1, 1] mapped to [0, 1]) and half on how far
    they moved (``change`` in [-2, 2] mapped to [0, 1]; a single customer turn counts as
    no change). A neutral customer who stayed neutral scores 3; one who ended fully
    positive after starting fully negative scores 5; the reverse scores 1. It is a proxy
    for a survey answer, not a measurement of one: no dataset here has survey labels.
    """
    moved = 0.0 if change is None else change
    value = CSAT_MIN + (CSAT_MAX - CSAT_MIN) * (0.5 * (end + 1.0) / 2.0 + 0.5 * (moved + 2.0) / 4.0)
    return min(CSAT_MAX, max(CSAT_MIN, value))


def scored_turns(conversation: Conversation) -> tuple[Turn, ...]:
    """The turns a trajectory scores: spoken and non-empty, in order."""
    return tuple(t for t in conversation.turns if is_spoken(t))


def build_trajectory(
    turns: Sequence[Turn], scores: Sequence[SentimentScore], *, model: str
) -> SentimentTrajectory:
    """The trajectory of already-scored ``turns`` (``scores[i]`` belongs to ``turns[i]``).

    Scoring is left to the caller so a dataset pass can score many conversations' turns
    in one batch (a trained model embeds in batches).
    """
    if len(turns) != len(scores):
        raise UsageError(f"the sentiment model gave {len(scores)} scores for {len(turns)} turns")
    scored = tuple(
        TurnSentiment(turn_index=t.index, speaker=t.speaker, score=s, at=t.timestamp)
        for t, s in zip(turns, scores, strict=True)
    )
    speakers = tuple(
        trajectory
        for who in Speaker
        if (trajectory := _speaker_trajectory(who, scored)) is not None
    )
    customer = next((s for s in speakers if s.speaker is Speaker.CUSTOMER), None)
    return SentimentTrajectory(
        model=model,
        turns=scored,
        speakers=speakers,
        customer_start=customer.start if customer else None,
        customer_end=customer.end if customer else None,
        customer_change=customer.change if customer else None,
        csat_estimate=csat_estimate(customer.end, customer.change) if customer else None,
    )


def sentiment_trajectory(
    conversation: Conversation, model: SentimentModel, *, name: str = "model"
) -> SentimentTrajectory:
    """Score ``conversation``'s spoken turns with ``model`` and build their trajectory."""
    turns = scored_turns(conversation)
    scores = model.predict([t.text for t in turns]) if turns else []
    return build_trajectory(turns, scores, model=name)


def _speaker_trajectory(who: Speaker, scored: Sequence[TurnSentiment]) -> SpeakerTrajectory | None:
    values = [t.score.compound for t in scored if t.speaker is who]
    if not values:
        return None
    return SpeakerTrajectory(
        speaker=who,
        turns=len(values),
        start=values[0],
        end=values[-1],
        mean=sum(values) / len(values),
        minimum=min(values),
        change=values[-1] - values[0] if len(values) > 1 else None,
    )
