"""A conversation's intent, and the intent distribution of a set of conversations.

A conversation's intent is what its customer came for. Without a model it comes from the
annotations: the conversation label ``intent`` (Bitext, BANKING77), else the first
customer turn's ``intent`` (SGD's active intent). With an :data:`IntentPredictor` (a
trained intent model) it is the prediction for the first non-empty customer turn, where
customers state their request; the model is called once for all conversations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from colloquy.errors import UsageError
from colloquy.schema import Conversation, Speaker

IntentPredictor = Callable[[Sequence[str]], Sequence[str]]
"""Texts in, one intent per text out (e.g. a trained intent model's ``predict``)."""


@dataclass(frozen=True, slots=True)
class IntentShare:
    """One intent: how many conversations have it and their share of those with an intent."""

    intent: str
    count: int
    share: float


@dataclass(frozen=True, slots=True)
class IntentDistribution:
    """Intents by conversation count (most frequent first); ``unknown`` have no intent."""

    conversations: int
    unknown: int
    shares: tuple[IntentShare, ...]


def _opening_request(conversation: Conversation) -> str | None:
    for turn in conversation.turns:
        if turn.speaker is Speaker.CUSTOMER and turn.text.strip():
            return turn.text
    return None


def annotated_intent(conversation: Conversation) -> str | None:
    """The intent the data records: the ``intent`` label, else the first customer turn's."""
    label = conversation.labels.get("intent")
    if isinstance(label, str) and label:
        return label
    for turn in conversation.turns:
        if turn.speaker is Speaker.CUSTOMER and turn.intent:
            return turn.intent
    return None


def resolve_intents(
    conversations: Sequence[Conversation], predictor: IntentPredictor | None = None
) -> tuple[str | None, ...]:
    """Each conversation's intent: annotated, or predicted from its opening customer turn."""
    if predictor is None:
        return tuple(annotated_intent(conversation) for conversation in conversations)
    openings = [_opening_request(conversation) for conversation in conversations]
    texts = [text for text in openings if text is not None]
    predicted = list(predictor(texts)) if texts else []
    if len(predicted) != len(texts):
        raise UsageError(
            f"the intent predictor returned {len(predicted)} intents for {len(texts)} texts; "
            "it must return one intent per text"
        )
    answers = iter(predicted)
    return tuple(None if text is None else str(next(answers)) for text in openings)


def intent_distribution(intents: Sequence[str | None]) -> IntentDistribution:
    """Counts and shares of the known intents (shares over conversations with an intent)."""
    counts = Counter(intent for intent in intents if intent is not None)
    known = sum(counts.values())
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return IntentDistribution(
        conversations=len(intents),
        unknown=len(intents) - known,
        shares=tuple(
            IntentShare(intent=intent, count=count, share=count / known)
            for intent, count in ordered
        ),
    )
