"""A finished call as a colloquy :class:`~colloquy.schema.Conversation`, for the analytics.

Every dataset command, ``colloquy analyze`` and conversion scoring take conversations, so a
call becomes one: the caller's and the agent's lines in order, each stamped with the wall
time it was said (the call's start plus the line's offset on the call's clock). Lines with
no words (an answer barged in on before its first sentence) are left out, since a turn of
a conversation is something said. The telephony (``sip``, ``twilio``), the duration and
where the recording lies go into the metadata; a model's scores are predictions, not facts
about the customer, so they go into ``labels`` and each turn's ``extra``, where no
conversion model reads features from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from colloquy.agent.voice.pipeline.build import CallRecord
from colloquy.schema import Conversation, Speaker, Turn
from colloquy.schema.conversation import JsonValue

SOURCE = "colloquy-voice"
CHANNEL = "voice"


@dataclass(frozen=True, slots=True)
class CallFacts:
    """What the server knows about a call besides its transcript."""

    telephony: str
    """``sip`` or ``twilio``: how the call reached the agent."""
    started_at: datetime
    """Wall time the call was answered (timezone-aware)."""
    started: float
    """The same moment on the clock the transcript's lines are stamped with."""
    duration_s: float
    caller: str | None = None
    recording: str | None = None


def spoken_lines(record: CallRecord) -> list[int]:
    """Indices of the record's lines that become turns (those with words)."""
    return [i for i, line in enumerate(record.lines) if line.text.strip()]


def call_conversation(
    record: CallRecord,
    facts: CallFacts,
    *,
    scores: Sequence[float] = (),
    model: str | None = None,
) -> Conversation:
    """The call as a conversation; ``scores`` are P(convert) after each of its turns."""
    turns: list[Turn] = []
    for index in spoken_lines(record):
        line = record.lines[index]
        extra: dict[str, JsonValue] = {"voice_turn": line.turn}
        if line.interrupted:
            extra["interrupted"] = True
        if len(turns) < len(scores):
            extra["conversion_score"] = round(scores[len(turns)], 4)
        turns.append(
            Turn(
                index=len(turns),
                speaker=Speaker.CUSTOMER if line.role == "caller" else Speaker.AGENT,
                text=line.text,
                timestamp=facts.started_at + timedelta(seconds=max(0.0, line.at - facts.started)),
                extra=extra,
            )
        )
    metadata: dict[str, JsonValue] = {
        "call_id": record.session_id,
        "telephony": facts.telephony,
        "duration_s": round(facts.duration_s, 3),
        "agent_turns": len(record.turns),
    }
    if facts.caller is not None:
        metadata["caller"] = facts.caller
    if facts.recording is not None:
        metadata["recording"] = facts.recording
    labels: dict[str, JsonValue] = {}
    if scores:
        labels["conversion_score"] = round(scores[-1], 4)
        if model is not None:
            labels["conversion_model"] = model
    return Conversation(
        id=record.session_id,
        source=SOURCE,
        channel=CHANNEL,
        started_at=facts.started_at,
        turns=tuple(turns),
        metadata=metadata,
        labels=labels,
    )


__all__ = ["CHANNEL", "SOURCE", "CallFacts", "call_conversation", "spoken_lines"]
