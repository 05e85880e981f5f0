"""The agent's turn: activate, fill, step the journey, match guidelines, reply, validate, log.

Everything except the reply is deterministic and runs without an LLM: the message is
embedded once and that vector serves activation and guideline matching; slots come from
patterns (the LLM only for what patterns miss, when one is configured); the journey steps
by its YAML conditions; the responder speaks from the resulting :class:`TurnContext`; the
validator checks every sentence before anything is sent. Each stage is an audit event
with its latency, so a session can be replayed and each millisecond accounted for.

A session keeps the journey version it started with. A message that clearly starts a
different journey (above ``switch_threshold``, and not an answer to the question just
asked) switches journeys mid-way; slots the caller gave and a verification carry over.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Generator, Mapping
from dataclasses import asdict, dataclass, field, replace

from colloquy.agent.engine.acts import classify_act
from colloquy.agent.engine.clock import StageClock
from colloquy.agent.engine.flow import (
    VERIFY_TOOL,
    finished,
    first_ask,
    identity_profile,
    sources_after,
    turn_event,
)
from colloquy.agent.engine.grounding import grounded_values, succeeded
from colloquy.agent.engine.machine import Advance, advance
from colloquy.agent.engine.metrics import AgentMetrics
from colloquy.agent.engine.payloads import event_json, match_json, same_arguments, tool_json
from colloquy.agent.engine.ports import AuditPort, ResponderPort, ValidatorPort
from colloquy.agent.engine.replying import StreamTally, record_stream, reply_whole, stream_reply
from colloquy.agent.engine.session import SessionRegistry, SessionState
from colloquy.agent.engine.slotting import carried_slots, fill_slots
from colloquy.agent.engine.turn_log import TurnLog
from colloquy.agent.guidelines.matcher import GuidelineMatcher
from colloquy.agent.guidelines.records import AppliedGuidelines
from colloquy.agent.journeys.activation import ActivationResult, JourneyActivator
from colloquy.agent.journeys.records import Journey
from colloquy.agent.journeys.slots import SlotFiller, extract
from colloquy.agent.journeys.store import JourneyStore
from colloquy.agent.journeys.vectors import lazy_vector
from colloquy.agent.tools.executor import ToolExecutor
from colloquy.agent.tools.outcome import ToolOutcome
from colloquy.agent.turn import (
    EventKind,
    Role,
    TurnContext,
    TurnEvent,
    TurnResult,
    Utterance,
    ValidationOutcome,
)
from colloquy.errors import UsageError
from colloquy.features.embeddings.base import Embedder

DEFAULT_SWITCH_THRESHOLD = 0.6
OPENING_CUE = "hello"
"""A session opens as a greeting would: the rules for an opening (the recorded-call notice)
apply to turn 0, matched the same way as any message."""


@dataclass(frozen=True, slots=True)
class AgentParts:
    """The loaded pieces one engine runs on; :func:`~colloquy.agent.engine.build_agent`."""

    journeys: tuple[Journey, ...]
    embedder: Embedder
    activator: JourneyActivator
    matcher: GuidelineMatcher
    slot_filler: SlotFiller
    tools: ToolExecutor
    responder: ResponderPort
    validator: ValidatorPort
    audit: AuditPort
    journey_store: JourneyStore | None = None
    switch_threshold: float = DEFAULT_SWITCH_THRESHOLD
    metrics: AgentMetrics = field(default_factory=AgentMetrics)


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A turn up to its reply: the context, and the session state to keep after it."""

    ctx: TurnContext
    state: SessionState
    clock: StageClock
    history: tuple[Utterance, ...]
    ended: bool


class AgentEngine:
    """Runs many sessions in one process; thread-safe across sessions."""

    def __init__(self, parts: AgentParts) -> None:
        self.parts = parts
        self.sessions = SessionRegistry()
        self._journeys = {j.name: j for j in parts.journeys}

    def start(self, *, channel: str = "text", session_id: str | None = None) -> TurnResult:
        """Open a session and return the greeting (turn 0)."""
        sid = session_id or str(uuid.uuid4())
        if sid in self.sessions:
            raise UsageError(f"agent session {sid!r} is already open")
        self.parts.audit.start(sid, channel)
        state = SessionState(sid, channel, applied=AppliedGuidelines(sid))
        self.sessions.add(state)
        self.parts.metrics.sessions_open.inc()
        clock = StageClock()
        ctx = TurnContext(session_id=sid, turn=0, message="", event=TurnEvent.GREETING)
        with clock.stage("guidelines"):
            greeting = self.parts.matcher.match(OPENING_CUE, applied=state.applied)
        self.parts.audit.record(
            sid,
            0,
            EventKind.GUIDELINE_MATCH,
            json.dumps([match_json(m) for m in greeting]),
            clock.spent["guidelines"],
        )
        ctx = replace(ctx, guidelines=greeting)
        text, validation = reply_whole(self.parts, ctx, clock)
        state = replace(
            state,
            applied=state.applied.mark([m.guideline.name for m in greeting], 0),
            history=(Utterance(Role.AGENT, text, 0),),
        )
        self.sessions.put(state)
        return TurnResult(
            sid,
            0,
            text,
            None,
            None,
            TurnEvent.GREETING,
            guidelines=tuple(m.guideline.name for m in greeting),
            validation=validation,
            timings=clock.timings(),
        )

    def end(self, session_id: str) -> None:
        with self.sessions.locked(session_id) as state:
            if not state.ended:
                self.parts.audit.end(session_id)
            self.sessions.remove(session_id)
            self.parts.metrics.sessions_open.dec()

    def turn(self, session_id: str, message: str) -> TurnResult:
        """Answer one customer message."""
        text = _message_text(message)
        with self.sessions.locked(session_id) as state:
            log, parts = self._turn_parts(session_id)
            try:
                prepared = self._prepare(parts, state, text)
                answer, validation = reply_whole(parts, prepared.ctx, prepared.clock)
            finally:
                log.flush()
            result, next_state = self._complete(prepared, answer, validation)
            self.sessions.put(next_state)
        self.parts.metrics.observe(result)
        return result

    def stream(
        self,
        session_id: str,
        message: str,
        *,
        on_stage: Callable[[str], None] | None = None,
    ) -> Generator[str, None, None]:
        """Answer one message sentence by sentence, each validated before it is yielded.

        For voice: a sentence can go to text-to-speech while the next is generated. Closing
        the generator early (the caller barged in) ends the turn with what was yielded, and
        the audit records that text as the reply, marked interrupted. Missing disclaimers
        are yielded last. The session's turn lock is held until the generator finishes.
        ``on_stage`` hears ``"prepared"`` once the turn is decided (before the responder)
        and ``"first_chunk"`` when the responder's first sentence arrives (before the
        validator), so a voice call can time those stages apart.
        """
        text = _message_text(message)
        with self.sessions.locked(session_id) as state:
            log, parts = self._turn_parts(session_id)
            try:
                prepared = self._prepare(parts, state, text)
            except BaseException:
                log.flush()
                raise
            if on_stage is not None:
                on_stage("prepared")
            spoken: list[str] = []
            interrupted = True
            tally = StreamTally()
            try:
                yield from stream_reply(parts, prepared.ctx, spoken, tally, on_stage)
                interrupted = False
            finally:
                try:
                    validation = record_stream(
                        parts, prepared.ctx, prepared.clock, spoken, tally, interrupted=interrupted
                    )
                finally:
                    log.flush()
                result, next_state = self._complete(prepared, " ".join(spoken), validation)
                self.sessions.put(next_state)
                self.parts.metrics.observe(result)

    def _turn_parts(self, session_id: str) -> tuple[TurnLog, AgentParts]:
        """This turn's buffered audit log, and the engine's parts writing to it."""
        log = TurnLog(self.parts.audit, session_id)
        return log, replace(self.parts, audit=log)

    def _prepare(self, parts: AgentParts, state: SessionState, message: str) -> _Prepared:
        """Everything before the reply: routing, slots, tools, guidelines → the context."""
        sid = state.session_id
        turn = state.turn + 1
        clock = StageClock()
        parts.audit.record(sid, turn, EventKind.MESSAGE, event_json(role="customer", text=message))
        history = (*state.history, Utterance(Role.CUSTOMER, message, turn))
        if finished(state):
            state = replace(state, journey=None, state=None, asking=None)

        with clock.stage("activation"):
            vector = lazy_vector(lambda: parts.embedder.encode([message])[0])
            activation = parts.activator.activate(message, vector)
        parts.audit.record(
            sid, turn, EventKind.ACTIVATION, activation.to_json(), clock.spent["activation"]
        )
        state, switched, asked = self._route(parts.audit, state, message, activation, turn)

        labels = frozenset({classify_act(message).value})
        journey = state.journey
        adv: Advance | None = None
        outcomes: tuple[ToolOutcome, ...] = ()
        if journey is not None and state.state is not None:
            reused: set[int] = set()
            with clock.stage("slots"):
                slots, sources = fill_slots(
                    self.parts.slot_filler, state, journey, message, asked, labels
                )
            if slots != state.slot_map():
                filled = {k: v for k, v in slots.items() if state.slot_map().get(k) != v}
                parts.audit.record(
                    sid,
                    turn,
                    EventKind.SLOT_FILL,
                    event_json(values=filled, sources={k: sources[k] for k in filled}),
                    clock.spent["slots"],
                )
            with clock.stage("tools"):
                adv = advance(
                    journey,
                    state.state,
                    slots,
                    labels=labels,
                    run_tool=lambda name, args: self._run_tool(
                        parts.audit, state, turn, name, args, reused
                    ),
                    tool_slots=frozenset(k for k, v in sources.items() if v.startswith("tool:")),
                )
            # Reused verifications steer the journey but are not news to the caller.
            outcomes = tuple(o for o in adv.outcomes if id(o) not in reused)
            for step in adv.steps:
                parts.audit.record(
                    sid,
                    turn,
                    EventKind.TRANSITION,
                    event_json(journey=journey.name, version=journey.version, **asdict(step)),
                )
            sources = sources_after(sources, adv, journey)
            state = replace(
                state,
                profile=identity_profile(state.profile, journey, adv, sources),
                state=adv.state,
                slots=adv.slots,
                sources=tuple(sorted(sources.items())),
                asking=adv.asking.name if adv.asking else None,
                verified=state.verified
                or any(o.tool == VERIFY_TOOL and succeeded(o) for o in outcomes),
                memo=(*state.memo, *(o for o in outcomes if self._memoisable(o))),
                grounded=state.grounded | grounded_values(outcomes),
            )
            if parts.journey_store is not None:
                parts.journey_store.advance(sid, adv.state, dict(adv.slots))

        current = journey.state(state.state) if journey is not None and state.state else None
        with clock.stage("guidelines"):
            matches = parts.matcher.match(
                message,
                journey=journey.name if journey else None,
                state=state.state,
                state_text=current.instruction if current else None,
                applied=state.applied,
                vector=vector,
            )
        parts.audit.record(
            sid,
            turn,
            EventKind.GUIDELINE_MATCH,
            json.dumps([match_json(m) for m in matches]),
            clock.spent["guidelines"],
        )

        event = turn_event(switched, adv, journey)
        ctx = TurnContext(
            session_id=sid,
            turn=turn,
            message=message,
            event=event,
            journey=journey,
            state=current,
            asking=adv.asking if adv else None,
            slots=state.slots,
            verified=state.verified,
            guidelines=matches,
            tool_outcomes=outcomes,
            grounded=state.grounded,
            history=history,
        )
        return _Prepared(
            ctx=ctx,
            state=state,
            clock=clock,
            history=history,
            ended=bool(adv and adv.final and journey is not None),
        )

    def _complete(
        self, p: _Prepared, reply: str, validation: ValidationOutcome
    ) -> tuple[TurnResult, SessionState]:
        ctx = p.ctx
        state = replace(
            p.state,
            turn=ctx.turn,
            applied=p.state.applied.mark([m.guideline.name for m in ctx.guidelines], ctx.turn),
            history=(*p.history, Utterance(Role.AGENT, reply, ctx.turn)),
        )
        result = TurnResult(
            ctx.session_id,
            ctx.turn,
            reply,
            ctx.journey.name if ctx.journey else None,
            state.state,
            ctx.event,
            asking=state.asking,
            tool_outcomes=ctx.tool_outcomes,
            guidelines=tuple(m.guideline.name for m in ctx.guidelines),
            validation=validation,
            timings=p.clock.timings(),
            ended=p.ended,
        )
        return result, state

    def _route(
        self,
        audit: AuditPort,
        state: SessionState,
        message: str,
        activation: ActivationResult,
        turn: int,
    ) -> tuple[SessionState, bool, str | None]:
        """Start, keep or switch the journey; returns the state, whether it switched, and the
        slot the message answers (the asked one, or the new journey's first question)."""
        chosen = self._journeys.get(activation.journey) if activation.journey else None
        current = state.journey
        if current is None:
            if chosen is None:
                return state, False, None
            return self._begin(audit, state, chosen, turn, carry=False), False, first_ask(chosen)
        if chosen is None or chosen.name == current.name:
            return state, False, state.asking
        if activation.score < self.parts.switch_threshold or self._answers(state, message):
            return state, False, state.asking
        return self._begin(audit, state, chosen, turn, carry=True), True, first_ask(chosen)

    def _answers(self, state: SessionState, message: str) -> bool:
        """Whether ``message`` holds a value for the slot the agent just asked for."""
        if state.journey is None or state.asking is None:
            return False
        return extract(state.journey.slot(state.asking), message) is not None

    def _begin(
        self, audit: AuditPort, state: SessionState, journey: Journey, turn: int, *, carry: bool
    ) -> SessionState:
        """Start ``journey``: the verified identity always comes along; on a switch
        mid-way, so does what the caller already told the previous journey."""
        slots, kept = carried_slots(state, journey, carry=carry)
        audit.record(
            state.session_id,
            turn,
            EventKind.TRANSITION,
            event_json(
                journey=journey.name,
                version=journey.version,
                source="",
                target=journey.initial_state,
                condition="activated",
            ),
        )
        if self.parts.journey_store is not None:
            self.parts.journey_store.start(state.session_id, journey)
        return replace(
            state,
            journey=journey,
            state=journey.initial_state,
            slots=tuple(sorted(slots.items())),
            sources=tuple(sorted(kept.items())),
            asking=None,
        )

    def _run_tool(
        self,
        audit: AuditPort,
        state: SessionState,
        turn: int,
        name: str,
        arguments: Mapping[str, str],
        reused: set[int],
    ) -> ToolOutcome:
        args_json = json.dumps(dict(arguments), sort_keys=True)
        prior = next(
            (
                p
                for p in state.memo
                if p.tool == name and same_arguments(p.arguments_json, args_json)
            ),
            None,
        )
        if prior is not None:
            outcome = replace(prior, cached=True, latency_s=0.0)
            reused.add(id(outcome))
        else:
            outcome = self.parts.tools.call(name, dict(arguments))
        audit.record(
            state.session_id,
            turn,
            EventKind.TOOL_CALL,
            tool_json(outcome),
            outcome.latency_s * 1e3,
        )
        return outcome

    def _memoisable(self, outcome: ToolOutcome) -> bool:
        """Successful reads; a tool that invalidates others changes data and is never reused."""
        if not succeeded(outcome) or outcome.tool not in self.parts.tools.registry:
            return False
        return not self.parts.tools.registry.get(outcome.tool).invalidates


def _message_text(message: str) -> str:
    text = message.strip()
    if not text:
        raise UsageError("an agent message must contain some text")
    return text
