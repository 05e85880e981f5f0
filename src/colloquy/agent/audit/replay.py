"""Rebuild a session from its event log: what was said, and why each reply came out so.

Only the log is read (plus the session row for its header), so a replay shows what the
agent recorded at the time, whatever has been deployed since. Events are grouped by turn
in ``seq`` order; within a turn each kind fills its part of :class:`ReplayTurn`. Stage
latencies come from the events' ``latency_ms``; validation time is the ``VALIDATION``
event's when it has one (the engine also puts it on ``REPLY``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from colloquy.agent.audit.log import audit_event
from colloquy.agent.audit.records import (
    ActivationStep,
    GuidelineStep,
    ReplayTurn,
    SessionReplay,
    ToolStep,
    TransitionStep,
)
from colloquy.agent.turn import AuditEvent, Check, EventKind, StageTimings, Verdict
from colloquy.errors import DataError
from colloquy.storage.agent_sessions import AgentSessionRepository

if TYPE_CHECKING:
    from colloquy.storage.store import Store

_STAGE_OF = {
    EventKind.ACTIVATION: "activation",
    EventKind.SLOT_FILL: "slots",
    EventKind.TOOL_CALL: "tools",
    EventKind.GUIDELINE_MATCH: "guidelines",
    EventKind.RESPONSE: "respond",
    EventKind.VALIDATION: "validate",
}


def replay(store: Store, session_id: str) -> SessionReplay:
    """The session ``session_id`` rebuilt from its events (NotFoundError when unknown)."""
    repository = AgentSessionRepository(store)
    session = repository.get(session_id)
    events = tuple(audit_event(e) for e in repository.events(session_id))
    return SessionReplay(session, replay_turns(events), events)


def replay_turns(events: Iterable[AuditEvent]) -> tuple[ReplayTurn, ...]:
    """Turns in order from events in ``seq`` order; session start and end events add none."""
    builders: dict[int, _TurnBuilder] = {}
    for event in events:
        if event.kind in (EventKind.SESSION_STARTED, EventKind.SESSION_ENDED):
            continue
        builders.setdefault(event.turn, _TurnBuilder(event.turn)).add(event)
    return tuple(builders[t].build() for t in sorted(builders))


def said_text(payload: str) -> str:
    """The text of a ``MESSAGE`` or ``REPLY`` payload (a JSON string or ``{"text": …}``)."""
    return _text(_parse(payload))


class _TurnBuilder:
    def __init__(self, turn: int) -> None:
        self.turn = turn
        self.message: str | None = None
        self.activation: ActivationStep | None = None
        self.slots: dict[str, str] = {}
        self.transitions: list[TransitionStep] = []
        self.tools: list[ToolStep] = []
        self.guidelines: list[GuidelineStep] = []
        self.draft = ""
        self.responder = ""
        self.verdicts: list[Verdict] = []
        self.fixed = False
        self.reply: str | None = None
        self.spent: dict[str, float] = {}
        self.reply_ms = 0.0

    def add(self, event: AuditEvent) -> None:
        data = _parse(event.payload)
        kind = event.kind
        stage = _STAGE_OF.get(kind)
        if stage is not None:
            self.spent[stage] = self.spent.get(stage, 0.0) + event.latency_ms
        if kind is EventKind.MESSAGE:
            self.message = _text(data)
        elif kind is EventKind.REPLY:
            self.reply = _text(data)
            self.reply_ms = event.latency_ms
        elif kind is EventKind.ACTIVATION:
            self.activation = _activation(_dict(data))
        elif kind is EventKind.SLOT_FILL:
            values = _dict(data).get("values")
            if isinstance(values, dict):
                self.slots.update({str(k): str(v) for k, v in values.items()})
        elif kind is EventKind.TRANSITION:
            self.transitions.append(_transition(_dict(data)))
        elif kind is EventKind.TOOL_CALL:
            self.tools.append(_tool(_dict(data), event.latency_ms))
        elif kind is EventKind.GUIDELINE_MATCH:
            items = data if isinstance(data, list) else []
            self.guidelines.extend(_guideline(_dict(item)) for item in items)
        elif kind is EventKind.RESPONSE:
            found = _dict(data)
            self.draft = _str(found.get("text"))
            self.responder = _str(found.get("responder"))
        elif kind is EventKind.VALIDATION:
            found = _dict(data)
            raw = found.get("verdicts")
            items = raw if isinstance(raw, list) else []
            self.verdicts.extend(_verdict(_dict(v), self.turn) for v in items)
            self.fixed = self.fixed or found.get("fixed") is True

    def build(self) -> ReplayTurn:
        spent = dict(self.spent)
        if "validate" not in spent and self.reply_ms:
            spent["validate"] = self.reply_ms
        timings = StageTimings(
            activation=spent.get("activation", 0.0),
            slots=spent.get("slots", 0.0),
            tools=spent.get("tools", 0.0),
            guidelines=spent.get("guidelines", 0.0),
            respond=spent.get("respond", 0.0),
            validate=spent.get("validate", 0.0),
            total=sum(spent.values()),
        )
        return ReplayTurn(
            turn=self.turn,
            message=self.message,
            activation=self.activation,
            slots=tuple(sorted(self.slots.items())),
            transitions=tuple(self.transitions),
            tools=tuple(self.tools),
            guidelines=tuple(self.guidelines),
            draft=self.draft,
            responder=self.responder,
            verdicts=tuple(self.verdicts),
            fixed=self.fixed,
            reply=self.reply,
            timings=timings,
        )


def _parse(text: str) -> object:
    try:
        parsed: object = json.loads(text)
    except ValueError:
        return text
    return parsed


def _dict(value: object) -> dict[str, object]:
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _text(data: object) -> str:
    """A message or reply: a JSON string, or an object with ``text``."""
    return data if isinstance(data, str) else _str(_dict(data).get("text"))


def _json_text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _activation(data: dict[str, object]) -> ActivationStep:
    journey = data.get("journey")
    runner_up = data.get("runner_up")
    return ActivationStep(
        journey=journey if isinstance(journey, str) else None,
        version=_int(data.get("version")),
        score=_float(data.get("score")),
        method=_str(data.get("method")),
        cache_level=_str(data.get("cache_level")),
        runner_up=runner_up if isinstance(runner_up, str) else None,
    )


def _transition(data: dict[str, object]) -> TransitionStep:
    return TransitionStep(
        journey=_str(data.get("journey")),
        version=_int(data.get("version")),
        source=_str(data.get("source")),
        target=_str(data.get("target")),
        condition=_str(data.get("condition")),
    )


def _tool(data: dict[str, object], latency_ms: float) -> ToolStep:
    return ToolStep(
        tool=_str(data.get("tool")),
        status=_str(data.get("status")),
        arguments=_json_text(data.get("arguments")),
        result=_json_text(data.get("result")),
        error=_str(data.get("error")),
        cached=data.get("cached") is True,
        succeeded=data.get("succeeded") is True,
        latency_ms=latency_ms,
    )


def _guideline(data: dict[str, object]) -> GuidelineStep:
    return GuidelineStep(
        name=_str(data.get("name")),
        priority=_int(data.get("priority")) or 0,
        score=_float(data.get("score")),
        keyword_hit=data.get("keyword_hit") is True,
        method=_str(data.get("method")),
    )


def _verdict(data: dict[str, object], turn: int) -> Verdict:
    check = _str(data.get("check"))
    if check not in {c.value for c in Check}:
        raise DataError(
            f"turn {turn} holds a verdict of an unknown check {check!r}",
            hint="replay the session with the colloquy version that recorded it",
        )
    return Verdict(
        check=Check(check),
        sentence_index=_int(data.get("sentence_index")) or 0,
        sentence=_str(data.get("sentence")),
        passed=data.get("passed") is True,
        reason=_str(data.get("reason")),
        fix=_str(data.get("fix")),
    )
