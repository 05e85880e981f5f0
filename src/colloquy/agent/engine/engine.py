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
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace

from colloquy.agent.engine.acts import classify_act
from colloquy.agent.engine.grounding import grounded_values, succeeded
from colloquy.agent.engine.machine import Advance, advance
from colloquy.agent.engine.ports import AuditPort, ResponderPort, ValidatorPort
from colloquy.agent.engine.session import SessionRegistry, SessionState
from colloquy.agent.guidelines.matcher import GuidelineMatcher
from colloquy.agent.guidelines.records import AppliedGuidelines, GuidelineMatch
from colloquy.agent.journeys.activation import ActivationResult, JourneyActivator
from colloquy.agent.journeys.records import Journey
from colloquy.agent.journeys.slots import SlotFiller, extract
from colloquy.agent.journeys.store import JourneyStore
from colloquy.agent.tools.executor import ToolExecutor
from colloquy.agent.tools.outcome import ToolOutcome
from colloquy.agent.turn import (
    EventKind,
    Role,
    StageTimings,
    TurnContext,
    TurnEvent,
    TurnResult,
    Utterance,
    ValidationOutcome,
)
from colloquy.errors import UsageError
from colloquy.features.embeddings.base import Embedder

DEFAULT_SWITCH_THRESHOLD = 0.6
VERIFY_TOOL = "verify_customer_identity"
_PATTERNS_ONLY = SlotFiller()
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


class _Clock:
    """Milliseconds per stage of one turn."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.started = time.perf_counter()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.spent[name] = self.spent.get(name, 0.0) + (time.perf_counter() - began) * 1e3

    def timings(self) -> StageTimings:
        s = self.spent
        return StageTimings(
            activation=s.get("activation", 0.0),
            slots=s.get("slots", 0.0),
            tools=s.get("tools", 0.0),
            guidelines=s.get("guidelines", 0.0),
            respond=s.get("respond", 0.0),
            validate=s.get("validate", 0.0),
            total=(time.perf_counter() - self.started) * 1e3,
        )


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
        clock = _Clock()
        ctx = TurnContext(session_id=sid, turn=0, message="", event=TurnEvent.GREETING)
        with clock.stage("guidelines"):
            greeting = self.parts.matcher.match(OPENING_CUE, applied=state.applied)
        self.parts.audit.record(
            sid,
            0,
            EventKind.GUIDELINE_MATCH,
            json.dumps([_match_json(m) for m in greeting]),
            clock.spent["guidelines"],
        )
        ctx = replace(ctx, guidelines=greeting)
        text, validation = self._reply(ctx, clock)
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

    def turn(self, session_id: str, message: str) -> TurnResult:
        """Answer one customer message."""
        text = message.strip()
        if not text:
            raise UsageError("an agent message must contain some text")
        with self.sessions.locked(session_id) as state:
            result, next_state = self._turn(state, text)
            self.sessions.put(next_state)
        return result

    def _turn(self, state: SessionState, message: str) -> tuple[TurnResult, SessionState]:
        parts = self.parts
        sid = state.session_id
        turn = state.turn + 1
        clock = _Clock()
        parts.audit.record(sid, turn, EventKind.MESSAGE, _json(role="customer", text=message))
        history = (*state.history, Utterance(Role.CUSTOMER, message, turn))
        if _finished(state):
            state = replace(state, journey=None, state=None, asking=None)

        with clock.stage("activation"):
            vector = parts.embedder.encode([message])[0]
            activation = parts.activator.activate(message, vector)
        parts.audit.record(
            sid, turn, EventKind.ACTIVATION, activation.to_json(), clock.spent["activation"]
        )
        state, switched, asked = self._route(state, message, activation, turn)

        labels = frozenset({classify_act(message).value})
        journey = state.journey
        adv: Advance | None = None
        outcomes: tuple[ToolOutcome, ...] = ()
        if journey is not None and state.state is not None:
            reused: set[int] = set()
            with clock.stage("slots"):
                slots, sources = self._fill(state, journey, message, asked, labels)
            if slots != state.slot_map():
                filled = {k: v for k, v in slots.items() if state.slot_map().get(k) != v}
                parts.audit.record(
                    sid,
                    turn,
                    EventKind.SLOT_FILL,
                    _json(values=filled, sources={k: sources[k] for k in filled}),
                    clock.spent["slots"],
                )
            with clock.stage("tools"):
                adv = advance(
                    journey,
                    state.state,
                    slots,
                    labels=labels,
                    run_tool=lambda name, args: self._run_tool(state, turn, name, args, reused),
                    tool_slots=frozenset(k for k, v in sources.items() if v.startswith("tool:")),
                )
            # Reused verifications steer the journey but are not news to the caller.
            outcomes = tuple(o for o in adv.outcomes if id(o) not in reused)
            for step in adv.steps:
                parts.audit.record(
                    sid,
                    turn,
                    EventKind.TRANSITION,
                    _json(journey=journey.name, version=journey.version, **asdict(step)),
                )
            sources = _sources_after(sources, adv, journey)
            state = replace(
                state,
                profile=_profile(state.profile, journey, adv, sources),
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
            json.dumps([_match_json(m) for m in matches]),
            clock.spent["guidelines"],
        )

        event = _event(switched, adv, journey)
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
        reply, validation = self._reply(ctx, clock)
        ended = bool(adv and adv.final and journey is not None)
        state = replace(
            state,
            turn=turn,
            applied=state.applied.mark([m.guideline.name for m in matches], turn),
            history=(*history, Utterance(Role.AGENT, reply, turn)),
        )
        return (
            TurnResult(
                sid,
                turn,
                reply,
                journey.name if journey else None,
                state.state,
                event,
                asking=state.asking,
                tool_outcomes=outcomes,
                guidelines=tuple(m.guideline.name for m in matches),
                validation=validation,
                timings=clock.timings(),
                ended=ended,
            ),
            state,
        )

    def _route(
        self, state: SessionState, message: str, activation: ActivationResult, turn: int
    ) -> tuple[SessionState, bool, str | None]:
        """Start, keep or switch the journey; returns the state, whether it switched, and the
        slot the message answers (the asked one, or the new journey's first question)."""
        chosen = self._journeys.get(activation.journey) if activation.journey else None
        current = state.journey
        if current is None:
            if chosen is None:
                return state, False, None
            return self._begin(state, chosen, turn, carry=False), False, _first_ask(chosen)
        if chosen is None or chosen.name == current.name:
            return state, False, state.asking
        if activation.score < self.parts.switch_threshold or self._answers(state, message):
            return state, False, state.asking
        return self._begin(state, chosen, turn, carry=True), True, _first_ask(chosen)

    def _answers(self, state: SessionState, message: str) -> bool:
        """Whether ``message`` holds a value for the slot the agent just asked for."""
        if state.journey is None or state.asking is None:
            return False
        return extract(state.journey.slot(state.asking), message) is not None

    def _begin(
        self, state: SessionState, journey: Journey, turn: int, *, carry: bool
    ) -> SessionState:
        """Start ``journey``: the verified identity always comes along; on a switch
        mid-way, so does what the caller already told the previous journey."""
        declared = {s.name for s in journey.slots}
        produced = {
            st.tool.result_slot: st.tool.tool
            for st in journey.states
            if st.tool is not None and st.tool.result_slot
        }
        offered = {name: value for name, value, _ in state.profile}
        sources = {name: source for name, _, source in state.profile}
        if carry and state.journey is not None:
            offered = {**state.slot_map(), **offered}
            sources = {**state.source_map(), **sources}
        slots: dict[str, str] = {}
        kept: dict[str, str] = {}
        for name, value in offered.items():
            source = sources.get(name, "caller")
            if name not in declared:
                continue
            if name in produced and source != f"tool:{produced[name]}":
                continue
            slots[name] = value
            kept[name] = source
        self.parts.audit.record(
            state.session_id,
            turn,
            EventKind.TRANSITION,
            _json(
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

    def _fill(
        self,
        state: SessionState,
        journey: Journey,
        message: str,
        asked: str | None,
        labels: frozenset[str],
    ) -> tuple[dict[str, str], dict[str, str]]:
        produced = {
            st.tool.result_slot
            for st in journey.states
            if st.tool is not None and st.tool.result_slot
        }
        known = state.slot_map()
        sources = state.source_map()
        assert state.state is not None
        current = journey.state(state.state)
        wanted = set(current.required_slots) - produced
        if "correct" in labels:
            # A correction may restate what the state it goes back to collected.
            reopened = {
                name
                for t in current.transitions
                if t.condition == "intent:correct"
                for name in journey.state(t.target).required_slots
            } - produced
            known = {k: v for k, v in known.items() if k not in reopened}
            wanted |= reopened
        here = [s for s in journey.slots if s.name in wanted]
        # A value of a type this state asks for belongs to this state ("born 1979-11-02"
        # is the birth date, not also the incident date).
        kinds = {s.type for s in here}
        later = [
            s
            for s in journey.slots
            if s.name not in wanted and s.name not in produced and s.type not in kinds
        ]
        # The state's own slots first (the LLM may help there); values for later states are
        # taken only when a pattern finds them unambiguously ("…claim CLM-2026-00012").
        first = self.parts.slot_filler.fill(message, here, known=known, asked=asked)
        second = _PATTERNS_ONLY.fill(message, later, known={**known, **first.values}, asked=asked)
        found = {**second.values, **first.values}
        slots = {**state.slot_map(), **found}
        sources = {**sources, **dict.fromkeys(found, "caller")}
        return slots, sources

    def _run_tool(
        self,
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
                if p.tool == name and _same_arguments(p.arguments_json, args_json)
            ),
            None,
        )
        if prior is not None:
            outcome = replace(prior, cached=True, latency_s=0.0)
            reused.add(id(outcome))
        else:
            outcome = self.parts.tools.call(name, dict(arguments))
        self.parts.audit.record(
            state.session_id,
            turn,
            EventKind.TOOL_CALL,
            _tool_json(outcome),
            outcome.latency_s * 1e3,
        )
        return outcome

    def _memoisable(self, outcome: ToolOutcome) -> bool:
        """Successful reads; a tool that invalidates others changes data and is never reused."""
        if not succeeded(outcome) or outcome.tool not in self.parts.tools.registry:
            return False
        return not self.parts.tools.registry.get(outcome.tool).invalidates

    def _reply(self, ctx: TurnContext, clock: _Clock) -> tuple[str, ValidationOutcome]:
        parts = self.parts
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
            _json(role="agent", text=outcome.text),
            clock.spent["validate"],
        )
        return outcome.text, outcome


def _finished(state: SessionState) -> bool:
    """The previous turn ended the journey: the next message starts afresh."""
    if state.journey is None or state.state is None:
        return False
    return state.journey.state(state.state).final


def _first_ask(journey: Journey) -> str | None:
    first = journey.state(journey.initial_state)
    return first.required_slots[0] if first.required_slots else None


def _event(switched: bool, adv: Advance | None, journey: Journey | None) -> TurnEvent:
    if journey is None or adv is None:
        return TurnEvent.NO_JOURNEY
    if switched:
        return TurnEvent.SWITCHED
    if any(not succeeded(o) for o in adv.outcomes):
        return TurnEvent.TOOL_FAILED
    if adv.final:
        return TurnEvent.JOURNEY_DONE
    if adv.outcomes:
        return TurnEvent.TOOL_RESULT
    if adv.waiting_on_intent:
        return TurnEvent.CONFIRM
    return TurnEvent.ASK_SLOT


def _profile(
    profile: tuple[tuple[str, str, str], ...],
    journey: Journey,
    adv: Advance,
    sources: dict[str, str],
) -> tuple[tuple[str, str, str], ...]:
    """The verified identity: the verification's arguments and result, once it succeeded."""
    if not any(o.tool == VERIFY_TOOL and succeeded(o) for o in adv.outcomes):
        return profile
    values = dict(adv.slots)
    names: set[str] = set()
    for st in journey.states:
        if st.tool is not None and st.tool.tool == VERIFY_TOOL:
            names.update(slot for _, slot in st.tool.arguments)
            if st.tool.result_slot:
                names.add(st.tool.result_slot)
    merged = {name: (value, source) for name, value, source in profile}
    merged.update({n: (values[n], sources.get(n, "caller")) for n in names if n in values})
    return tuple((name, value, source) for name, (value, source) in sorted(merged.items()))


def _sources_after(sources: dict[str, str], adv: Advance, journey: Journey) -> dict[str, str]:
    """Slot provenance after the step: tool result slots say which tool filled them."""
    values = dict(adv.slots)
    out = {k: v for k, v in sources.items() if k in values}
    for state in journey.states:
        step = state.tool
        if step is None or not step.result_slot or step.result_slot not in values:
            continue
        if any(o.tool == step.tool and succeeded(o) for o in adv.outcomes):
            out[step.result_slot] = f"tool:{step.tool}"
    for name in values:
        out.setdefault(name, "caller")
    return out


def _same_arguments(a: str, b: str) -> bool:
    try:
        return bool(json.loads(a) == json.loads(b))
    except json.JSONDecodeError:
        return False


def _json(**fields: object) -> str:
    return json.dumps(fields, sort_keys=True, default=str)


def _match_json(match: GuidelineMatch) -> dict[str, object]:
    return {
        "name": match.guideline.name,
        "priority": match.guideline.priority,
        "score": round(match.score, 4),
        "keyword_hit": match.keyword_hit,
        "method": match.method,
    }


def _tool_json(outcome: ToolOutcome) -> str:
    return _json(
        tool=outcome.tool,
        status=outcome.status.value,
        arguments=json.loads(outcome.arguments_json)
        if _is_json(outcome.arguments_json)
        else outcome.arguments_json,
        result=json.loads(outcome.content()) if outcome.result is not None else None,
        error=outcome.error,
        cached=outcome.cached,
        succeeded=succeeded(outcome),
    )


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True
