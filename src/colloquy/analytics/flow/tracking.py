"""Dialogue-state tracking: turn a conversation into a :class:`DialogueTrace`.

Two sources of state. Annotated datasets (SGD) carry it: the customer's active intent,
requested slots and slot values in each turn's frames (``Turn.extra["frames"]``, written
by :mod:`colloquy.data.loaders.sgd`) and dialogue acts on every turn. Users' own
transcripts carry none, so :func:`trace_intents` takes intent labels for the customer
turns from outside — a trained intent model's predictions or a hand-made mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from colloquy.analytics.flow.records import DialogueState, DialogueTrace
from colloquy.errors import UsageError
from colloquy.schema import Conversation, Speaker, Turn

IntentPredictor = Callable[[Sequence[str]], Sequence[str]]
"""Labels a batch of customer texts, one intent per text (e.g. an intent model's predict)."""


def trace_annotated(conversation: Conversation) -> DialogueTrace:
    """The trace read from the conversation's own annotations (SGD frames and acts).

    Filled slots accumulate over the conversation (a slot once given stays given); a turn
    without frames contributes its intent and acts only.
    """
    filled: set[str] = set()
    states: list[DialogueState] = []
    for turn in conversation.turns:
        requested: list[str] = []
        for frame in _frames(turn):
            requested.extend(_strings(frame.get("requested_slots")))
            values = frame.get("slot_values")
            if isinstance(values, dict):
                filled.update(str(slot) for slot in values)
        states.append(
            DialogueState(
                turn_index=turn.index,
                speaker=turn.speaker,
                intent=turn.intent if turn.speaker is Speaker.CUSTOMER else None,
                requested_slots=tuple(dict.fromkeys(requested)),
                filled_slots=tuple(sorted(filled)),
                acts=tuple(act.act for act in turn.dialogue_acts),
            )
        )
    return DialogueTrace(conversation_id=conversation.id, states=tuple(states))


def trace_intents(
    conversation: Conversation, intents: IntentPredictor | Mapping[int, str]
) -> DialogueTrace:
    """The trace from intent labels over the customer turns; no annotation is read.

    ``intents`` is either a predictor called once with the texts of the conversation's
    non-empty customer turns, or a mapping from turn index to intent (turns it lacks have
    no intent). Slots and acts stay empty: plain transcripts do not have them.
    """
    customer = [t for t in conversation.turns if t.speaker is Speaker.CUSTOMER and t.text.strip()]
    labels = _labels(conversation.id, customer, intents)
    states = tuple(
        DialogueState(
            turn_index=turn.index,
            speaker=turn.speaker,
            intent=labels.get(turn.index) if turn.speaker is Speaker.CUSTOMER else None,
        )
        for turn in conversation.turns
    )
    return DialogueTrace(conversation_id=conversation.id, states=states)


def _labels(
    conversation_id: str, customer: list[Turn], intents: IntentPredictor | Mapping[int, str]
) -> dict[int, str]:
    if isinstance(intents, Mapping):
        return {t.index: str(intents[t.index]) for t in customer if t.index in intents}
    if not customer:
        return {}
    predicted = list(intents([t.text for t in customer]))
    if len(predicted) != len(customer):
        raise UsageError(
            f"conversation {conversation_id!r}: the intent predictor returned "
            f"{len(predicted)} labels for {len(customer)} customer turns; "
            "it must return one label per text"
        )
    return {turn.index: str(label) for turn, label in zip(customer, predicted, strict=True)}


def _frames(turn: Turn) -> list[dict[str, object]]:
    frames = turn.extra.get("frames")
    if not isinstance(frames, list):
        return []
    return [frame for frame in frames if isinstance(frame, dict)]


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, list):
        return [str(item) for item in value]
    return []
