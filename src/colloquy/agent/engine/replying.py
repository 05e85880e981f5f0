"""The reply side of a turn: respond, validate, record — whole, or sentence by sentence.

A streamed reply (the voice channel) is validated one sentence at a time as the responder
produces it, so the first sentence can be spoken while the next is generated; what was
actually yielded is what the audit records, even when the caller barged in.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Protocol

from colloquy.agent.engine.clock import StageClock
from colloquy.agent.engine.payloads import event_json
from colloquy.agent.engine.ports import AuditPort, ResponderPort, ValidatorPort
from colloquy.agent.turn import EventKind, TurnContext, ValidationOutcome, Verdict


class ReplyParts(Protocol):
    """The three pieces replying needs (``AgentParts`` has them)."""

    @property
    def responder(self) -> ResponderPort: ...

    @property
    def validator(self) -> ValidatorPort: ...

    @property
    def audit(self) -> AuditPort: ...


@dataclass
class StreamTally:
    """What a streamed reply's validation found so far (mutable: the stream fills it)."""

    verdicts: list[Verdict] = field(default_factory=list)
    fixed: bool = False
    responder_ms: float = 0.0
    validate_ms: float = 0.0
    responder: str = ""


def reply_whole(
    parts: ReplyParts, ctx: TurnContext, clock: StageClock
) -> tuple[str, ValidationOutcome]:
    with clock.stage("respond"):
        reply = parts.responder.respond(ctx)
    parts.audit.record(
        ctx.session_id,
        ctx.turn,
        EventKind.RESPONSE,
        json.dumps(asdict(reply)),
        clock.spent["respond"],
    )
    with clock.stage("validate"):
        outcome = parts.validator.validate(ctx, reply, regenerate=parts.responder.regenerate)
    parts.audit.record_validation(ctx.session_id, ctx.turn, outcome)
    parts.audit.record(
        ctx.session_id,
        ctx.turn,
        EventKind.REPLY,
        event_json(role="agent", text=outcome.text),
        clock.spent["validate"],
    )
    return outcome.text, outcome


def stream_reply(
    parts: ReplyParts,
    ctx: TurnContext,
    spoken: list[str],
    tally: StreamTally,
    on_stage: Callable[[str], None] | None = None,
) -> Iterator[str]:
    index = 0
    chunks = iter(parts.responder.stream(ctx))
    tally.responder = type(parts.responder).__name__
    while True:
        began = time.perf_counter()
        chunk = next(chunks, None)
        tally.responder_ms += (time.perf_counter() - began) * 1e3
        if chunk is None:
            break
        if index == 0 and on_stage is not None:
            on_stage("first_chunk")
        began = time.perf_counter()
        outcome = parts.validator.validate_sentence(ctx, chunk, index)
        tally.validate_ms += (time.perf_counter() - began) * 1e3
        tally.verdicts.extend(outcome.verdicts)
        tally.fixed = tally.fixed or outcome.fixed
        index += 1
        if outcome.text:
            spoken.append(outcome.text)
            yield outcome.text
    began = time.perf_counter()
    closing = parts.validator.closing_sentences(ctx, " ".join(spoken))
    tally.validate_ms += (time.perf_counter() - began) * 1e3
    tally.verdicts.extend(closing.verdicts)
    tally.fixed = tally.fixed or closing.fixed
    if closing.text:
        spoken.append(closing.text)
        yield closing.text


def record_stream(
    parts: ReplyParts,
    ctx: TurnContext,
    clock: StageClock,
    spoken: list[str],
    tally: StreamTally,
    *,
    interrupted: bool,
) -> ValidationOutcome:
    text = " ".join(spoken)
    clock.spent["respond"] = tally.responder_ms
    clock.spent["validate"] = tally.validate_ms
    audit = parts.audit
    audit.record(
        ctx.session_id,
        ctx.turn,
        EventKind.RESPONSE,
        event_json(text=text, responder=tally.responder, streamed=True),
        tally.responder_ms,
    )
    outcome = ValidationOutcome(
        text, tuple(tally.verdicts), tally.fixed, latency_ms=tally.validate_ms
    )
    audit.record_validation(ctx.session_id, ctx.turn, outcome)
    audit.record(
        ctx.session_id,
        ctx.turn,
        EventKind.REPLY,
        event_json(role="agent", text=text, interrupted=interrupted),
        tally.validate_ms,
    )
    return outcome
