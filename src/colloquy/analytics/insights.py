"""Conversation insights: objections, questions, commitments, next steps, prices, competitors.

A sales or negotiation manager reading a transcript looks for the same few moments: what
the customer pushed back on, what was asked, what was promised and what happens next,
where money and rivals came up, and which turns decided the outcome. This module gives
those moments one schema (:class:`Insight`, :class:`ConversationInsights`), one seam
(:class:`InsightAnalyzer`) and an offline implementation that needs no service
(:class:`ExtractiveInsightAnalyzer`); :mod:`colloquy.analytics.insights_llm` fills the
same schema with a hosted or local LLM.

Structured event turns (empty text, or ``turn.extra`` holding ``"event"`` — a
negotiation's offer / accept / reject / quit) are never analysed: they reveal the outcome
that the insights are meant to explain, and they carry no words anyway.

Sentences are found by :class:`~colloquy.features.cues.CueDetector` (patterns backed up
by embedding similarity), which the conversion model also counts; its module says whose
turns count for which kind and how the similarity threshold was chosen on real data.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from colloquy.errors import UsageError
from colloquy.features.cue_rules import RuleKind
from colloquy.features.cues import (
    DEFAULT_SIMILARITY_THRESHOLD,
    DEFAULT_SPEAKERS,
    CueDetector,
)
from colloquy.features.transcript import is_spoken
from colloquy.schema import Conversation, Speaker

if TYPE_CHECKING:
    from colloquy.features.embeddings import Embedder

InsightKind = Literal[
    "objection",
    "question",
    "commitment",
    "next_step",
    "price_mention",
    "competitor_mention",
    "key_moment",
]
InsightMethod = Literal["pattern", "embedding", "llm", "explainer"]
"""How an insight was found; ``explainer`` marks a key moment passed in as ``key_turns``."""

INSIGHT_KINDS: Final[tuple[InsightKind, ...]] = get_args(InsightKind)
_RANK: Final = {kind: rank for rank, kind in enumerate(INSIGHT_KINDS)}


class Insight(BaseModel):
    """One moment worth a manager's attention, tied to the turn that carries it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: InsightKind
    turn_index: int = Field(ge=0, description="Turn.index in the conversation")
    speaker: str = Field(description="Speaker value of that turn")
    text: str = Field(description="The sentence or snippet that carries the insight")
    score: float = Field(ge=0.0, le=1.0, description="Confidence, 0..1")
    method: InsightMethod
    value: float | None = Field(default=None, description="A stated amount, when there is one")


class ConversationInsights(BaseModel):
    """Every insight of one conversation, in turn order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    conversation_id: str
    insights: tuple[Insight, ...] = ()
    dropped: int = Field(
        default=0, ge=0, description="Insights discarded as invalid (e.g. an unknown turn)"
    )

    def counts(self) -> dict[str, int]:
        """Insights per kind; every kind is present, zero when none was found."""
        counts: dict[str, int] = dict.fromkeys(INSIGHT_KINDS, 0)
        for insight in self.insights:
            counts[insight.kind] += 1
        return counts

    def by_kind(self, kind: InsightKind) -> tuple[Insight, ...]:
        """The insights of ``kind``, in turn order."""
        if kind not in INSIGHT_KINDS:
            raise UsageError(
                f"unknown insight kind {kind!r}", hint=f"use one of {', '.join(INSIGHT_KINDS)}"
            )
        return tuple(i for i in self.insights if i.kind == kind)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: id, per-kind counts, dropped count and the insights."""
        return {
            "conversation_id": self.conversation_id,
            "counts": self.counts(),
            "dropped": self.dropped,
            "insights": [i.model_dump(mode="json") for i in self.insights],
        }


class InsightAnalyzer(ABC):
    """Finds the insights of a conversation; implementations are offline or LLM-backed."""

    @abstractmethod
    def analyze(
        self, conversation: Conversation, *, key_turns: Sequence[int] = ()
    ) -> ConversationInsights:
        """The insights of ``conversation``.

        ``key_turns`` are turn indexes an explainer found to move the prediction most;
        each becomes a ``key_moment`` carrying that turn's text (event turns are skipped:
        they have no text and reveal the outcome). An index outside the conversation is
        a :class:`~colloquy.errors.UsageError`.
        """


def explainer_key_moments(conversation: Conversation, key_turns: Sequence[int]) -> list[Insight]:
    """One ``key_moment`` per distinct index in ``key_turns``, in the order given."""
    moments: list[Insight] = []
    seen: set[int] = set()
    for index in key_turns:
        if not 0 <= index < len(conversation.turns):
            raise UsageError(
                f"key turn {index} is not a turn of conversation {conversation.id!r} "
                f"(it has {len(conversation.turns)} turns)",
                hint="pass Turn.index values of this conversation",
            )
        turn = conversation.turns[index]
        if index in seen or not is_spoken(turn):
            continue
        seen.add(index)
        moments.append(
            Insight(
                kind="key_moment",
                turn_index=index,
                speaker=turn.speaker.value,
                text=turn.text.strip(),
                score=1.0,
                method="explainer",
            )
        )
    return moments


class ExtractiveInsightAnalyzer(InsightAnalyzer):
    """Offline insights: the cues of :class:`~colloquy.features.cues.CueDetector`
    (patterns, backed up by embedding similarity when an ``embedder`` is given) become
    insights.

    Key moments are the explainer's ``key_turns`` plus, for each price mention, the first
    commitment or objection at or after it (the customer's answer to a price); a turn is
    a key moment at most once.

    Parameters are stored unchanged beside the detector built from them, so the analyzer
    follows the estimator contract and can be cloned by its parameters.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD,
        *,
        competitors: Sequence[str] = (),
        speakers: Mapping[RuleKind, frozenset[Speaker]] = DEFAULT_SPEAKERS,
    ) -> None:
        self.embedder = embedder
        self.similarity_threshold = similarity_threshold
        self.competitors = tuple(competitors)
        self.speakers = speakers
        self.detector_ = CueDetector(
            embedder, similarity_threshold, competitors=competitors, speakers=speakers
        )

    def analyze(
        self, conversation: Conversation, *, key_turns: Sequence[int] = ()
    ) -> ConversationInsights:
        key_moments = explainer_key_moments(conversation, key_turns)
        found: list[tuple[int, Insight]] = [
            (
                cue.position,
                Insight(
                    kind=cue.kind,
                    turn_index=cue.turn.index,
                    speaker=cue.turn.speaker.value,
                    text=cue.text,
                    score=cue.score,
                    method=cue.method,
                    value=cue.value,
                ),
            )
            for cue in self.detector_.detect(conversation)
        ]
        found.extend(_price_reactions(found, {m.turn_index for m in key_moments}))
        found.extend((-1, moment) for moment in key_moments)
        found.sort(key=lambda item: (item[1].turn_index, item[0], _RANK[item[1].kind]))
        insights = tuple(insight for _, insight in found)
        return ConversationInsights(conversation_id=conversation.id, insights=insights)


def _price_reactions(
    found: Sequence[tuple[int, Insight]], taken: set[int]
) -> list[tuple[int, Insight]]:
    """Key moments: the first commitment or objection at or after each price mention."""
    # Within a sentence the price comes first: "$300 is too much" reacts to its own price.
    ordered = sorted(
        found,
        key=lambda item: (item[1].turn_index, item[0], item[1].kind != "price_mention"),
    )
    moments: list[tuple[int, Insight]] = []
    price_pending = False
    for position, insight in ordered:
        if insight.kind == "price_mention":
            price_pending = True
        elif insight.kind in ("commitment", "objection") and price_pending:
            price_pending = False
            if insight.turn_index in taken:
                continue
            taken.add(insight.turn_index)
            moments.append(
                (position, insight.model_copy(update={"kind": "key_moment", "value": None}))
            )
    return moments


__all__ = [
    "DEFAULT_SIMILARITY_THRESHOLD",
    "DEFAULT_SPEAKERS",
    "INSIGHT_KINDS",
    "ConversationInsights",
    "ExtractiveInsightAnalyzer",
    "Insight",
    "InsightAnalyzer",
    "InsightKind",
    "InsightMethod",
    "explainer_key_moments",
]
