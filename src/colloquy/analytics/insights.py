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

Whose turns count for which kind (:data:`DEFAULT_SPEAKERS`): objections and commitments
come from the customer (the persuadee, the buyer) because an agent's "I can't go that
low" is a counter-offer and "I will donate too" is persuasion, not a close; questions,
next steps, prices and competitors count from both sides, since an agent's question or
"I'll send the contract" matters as much. System turns are never analysed.

Threshold for the embedding fallback, chosen on real data (all-MiniLM-L6-v2; the first
300 PersuasionForGood and 300 CraigslistBargain dialogues; patterns alone found 269 and 79
commitments, 91 and 38 objections, 1,245 and 875 price mentions there). Counted are the
sentences the embeddings *add*: no pattern fired, and the sentence is closer to the kind's
examples than to the neutral ones (a first draft, without that check and with donation
words in the competitor examples, found 0.8 "competitor mentions" per P4G dialogue between
0.65 and 0.70, all plain donation talk such as "Do you donate to charities?"):

* 0.55 — 0.27 per P4G dialogue, 0.16 per Craigslist one; "competitors" are mostly "this
  organization", "objections" include "I would possibly be interested!".
* 0.60 — 0.13 and 0.07; about half the added P4G commitments are wrong ("I might just
  have some funds", "I am sure everyone will appreciate the donation").
* 0.65 — 0.08 and 0.05; P4G gains about 20 commitments, two thirds right ("I would love
  to make a donation today"; wrong: "I could probably use a donation!") and two
  objections, both doubts about where the money goes; Craigslist gains ten price
  mentions, all "can you go any lower?" in other words, and three right objections ("The
  price is a bit high for my budget").
* 0.70 — 0.03 and 0.03: little beyond near-copies of the examples.

Hence 0.65: the fallback adds few insights, and mostly right ones.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from colloquy.analytics.insight_rules import (
    NEUTRAL_EXAMPLES,
    PATTERNS,
    TAXONOMY,
    Rule,
    RuleKind,
    competitor_rule,
    first_amount,
    negated,
    normalise,
    split_sentences,
)
from colloquy.errors import UsageError
from colloquy.features.transcript import is_spoken
from colloquy.schema import Conversation, Speaker, Turn

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
DEFAULT_SIMILARITY_THRESHOLD: Final = 0.65
"""Cosine similarity to the taxonomy an unmatched sentence needs (see the module docstring)."""

_CUSTOMER: Final = frozenset({Speaker.CUSTOMER})
_BOTH: Final = frozenset({Speaker.CUSTOMER, Speaker.AGENT, Speaker.BOT})
DEFAULT_SPEAKERS: Final[Mapping[RuleKind, frozenset[Speaker]]] = {
    "objection": _CUSTOMER,
    "question": _BOTH,
    "commitment": _CUSTOMER,
    "next_step": _BOTH,
    "price_mention": _BOTH,
    "competitor_mention": _BOTH,
}
"""Whose sentences are searched for each kind (see the module docstring for why)."""

_VALUED: Final = frozenset({"price_mention", "commitment"})
_NEUTRAL: Final = "neutral"
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


class _Sentence:
    __slots__ = ("normalised", "position", "text", "turn")

    def __init__(self, turn: Turn, position: int, text: str) -> None:
        self.turn = turn
        self.position = position
        self.text = text
        self.normalised = normalise(text)


class ExtractiveInsightAnalyzer(InsightAnalyzer):
    """Offline insights from cue patterns, backed up by embedding similarity.

    Every spoken turn is cut into sentences; each sentence is matched against the
    patterns of :data:`~colloquy.analytics.insight_rules.PATTERNS` for the kinds its
    speaker may carry (``speakers``). With an ``embedder``, a sentence no pattern marked
    for a kind is compared with that kind's example sentences in
    :data:`~colloquy.analytics.insight_rules.TAXONOMY` and becomes an insight when its best
    cosine similarity reaches ``similarity_threshold`` (its score is that similarity).
    One ``encode`` call embeds a conversation's sentences; the taxonomy is embedded once.

    Key moments are the explainer's ``key_turns`` plus, for each price mention, the first
    commitment or objection at or after it (the customer's answer to a price); a turn is
    a key moment at most once.

    Parameters are stored unchanged (``taxonomy_vectors_`` is learned on first use), so
    the analyzer follows the estimator contract and can be cloned by its parameters.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD,
        *,
        competitors: Sequence[str] = (),
        speakers: Mapping[RuleKind, frozenset[Speaker]] = DEFAULT_SPEAKERS,
    ) -> None:
        if not 0.0 <= similarity_threshold <= 1.0:
            raise UsageError(
                f"similarity_threshold must be within 0..1, got {similarity_threshold}",
                hint=f"the default, {DEFAULT_SIMILARITY_THRESHOLD}, was chosen on real data",
            )
        self.embedder = embedder
        self.similarity_threshold = similarity_threshold
        self.competitors = tuple(competitors)
        self.speakers = speakers
        self.taxonomy_vectors_: dict[str, NDArray[np.float32]] | None = None

    def analyze(
        self, conversation: Conversation, *, key_turns: Sequence[int] = ()
    ) -> ConversationInsights:
        key_moments = explainer_key_moments(conversation, key_turns)
        sentences = [
            _Sentence(turn, position, text)
            for turn in conversation.turns
            if is_spoken(turn)
            for position, text in enumerate(split_sentences(turn.text))
        ]
        similarities = self._similarities(sentences)
        found: list[tuple[int, Insight]] = []
        for sentence, similarity in zip(sentences, similarities, strict=True):
            for kind in PATTERNS:
                if sentence.turn.speaker not in self.speakers.get(kind, frozenset()):
                    continue
                insight = self._insight(sentence, kind, similarity)
                if insight is not None:
                    found.append((sentence.position, insight))
        found.extend(_price_reactions(found, {m.turn_index for m in key_moments}))
        found.extend((-1, moment) for moment in key_moments)
        found.sort(key=lambda item: (item[1].turn_index, item[0], _RANK[item[1].kind]))
        insights = tuple(insight for _, insight in found)
        return ConversationInsights(conversation_id=conversation.id, insights=insights)

    def _insight(
        self, sentence: _Sentence, kind: RuleKind, similarities: Mapping[str, float]
    ) -> Insight | None:
        score = self._pattern_score(sentence.normalised, kind)
        method: InsightMethod = "pattern"
        if score is None and self._embedding_match(sentence, kind, similarities):
            score, method = min(similarities[kind], 1.0), "embedding"
        if score is None:
            return None
        return Insight(
            kind=kind,
            turn_index=sentence.turn.index,
            speaker=sentence.turn.speaker.value,
            text=sentence.text,
            score=score,
            method=method,
            value=first_amount(sentence.normalised) if kind in _VALUED else None,
        )

    def _embedding_match(
        self, sentence: _Sentence, kind: RuleKind, similarities: Mapping[str, float]
    ) -> bool:
        """Close enough to ``kind``'s examples, and closer to them than to neutral talk.

        A commitment must also be an unnegated statement: MiniLM puts "I will not be
        donating" and "how much will you donate?" right beside "I will donate".
        """
        if kind == "commitment" and _is_question(sentence.normalised):
            return False
        best = similarities.get(kind)
        if best is None or best < self.similarity_threshold:
            return False
        if best <= similarities.get(_NEUTRAL, -1.0):
            return False
        text = sentence.normalised
        return kind != "commitment" or not negated(text, 0, len(text))

    def _pattern_score(self, normalised: str, kind: RuleKind) -> float | None:
        if kind == "price_mention" and first_amount(normalised) is not None:
            return 1.0
        if kind == "commitment" and _is_question(normalised):
            return None
        rules: tuple[Rule, ...] = PATTERNS[kind]
        if kind == "competitor_mention":
            named = competitor_rule(self.competitors)
            rules = (named, *rules) if named is not None else rules
        best: float | None = None
        for pattern, score in rules:
            for match in pattern.finditer(normalised):
                if kind in ("commitment", "next_step") and negated(
                    normalised, match.start(), match.end()
                ):
                    continue
                best = max(best or 0.0, score)
                break
        return best

    def _similarities(self, sentences: Sequence[_Sentence]) -> list[dict[str, float]]:
        """Per sentence, the best cosine similarity to each kind's examples and to neutral
        talk (one ``encode`` call for the whole conversation)."""
        if self.embedder is None or not sentences:
            return [{} for _ in sentences]
        anchors = self._taxonomy_vectors(self.embedder)
        vectors = self.embedder.encode([s.text for s in sentences])
        best = {name: (vectors @ examples.T).max(axis=1) for name, examples in anchors.items()}
        return [{name: float(best[name][row]) for name in best} for row in range(len(sentences))]

    def _taxonomy_vectors(self, embedder: Embedder) -> dict[str, NDArray[np.float32]]:
        if self.taxonomy_vectors_ is None:
            groups: dict[str, tuple[str, ...]] = {kind: TAXONOMY[kind] for kind in TAXONOMY}
            groups[_NEUTRAL] = NEUTRAL_EXAMPLES
            vectors = embedder.encode([text for texts in groups.values() for text in texts])
            split: dict[str, NDArray[np.float32]] = {}
            start = 0
            for name, texts in groups.items():
                split[name] = vectors[start : start + len(texts)]
                start += len(texts)
            self.taxonomy_vectors_ = split
        return self.taxonomy_vectors_


def _is_question(normalised: str) -> bool:
    """A sentence ending in ``?`` asks; "would you be willing to donate?" commits nobody."""
    return normalised.rstrip().endswith("?")


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
