"""Run scenarios against a real engine on a real store and compare every expectation.

Each scenario gets its own engine over the given store (so a tool fault in one does not
leak into the next) and its own session; the store is the caller's — a seeded desk.
Faults slow a tool down inside its real implementation, so a timeout is the executor's
real timeout, not a simulated status.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from pydantic import BaseModel

from colloquy.agent.audit import AuditLog
from colloquy.agent.engine.engine import AgentEngine
from colloquy.agent.engine.factory import AgentOptions, build_agent
from colloquy.agent.engine.grounding import succeeded
from colloquy.agent.scenarios.records import (
    Mismatch,
    RepeatedResult,
    Scenario,
    ScenarioResult,
    ScenarioTurn,
    ToolFault,
)
from colloquy.agent.tools.registry import ToolRegistry
from colloquy.agent.turn import TurnResult
from colloquy.desk.tools import DeskServices, desk_tools
from colloquy.features.embeddings.base import Embedder
from colloquy.storage.agent_sessions import AgentSessionRepository
from colloquy.storage.desk import DeskRepository
from colloquy.storage.store import Store


def faulty_tools(registry: ToolRegistry, faults: Sequence[ToolFault]) -> ToolRegistry:
    """A copy of ``registry`` where each faulted tool sleeps first and has a tighter timeout."""
    by_tool = {f.tool: f for f in faults}
    out = ToolRegistry()
    for definition in registry:
        fault = by_tool.get(definition.name)
        if fault is not None:
            definition = replace(
                definition,
                function=_slowed(definition.function, fault.delay_s),
                timeout_s=fault.timeout_s,
            )
        out.add(definition)
    return out


def _slowed(function: Callable[[Any], BaseModel], delay_s: float) -> Callable[[Any], BaseModel]:
    def slow(args: Any) -> BaseModel:
        time.sleep(delay_s)
        return function(args)

    return slow


def run_scenario(
    scenario: Scenario,
    store: Store,
    embedder: Embedder,
    options: AgentOptions | None = None,
) -> ScenarioResult:
    """Play ``scenario`` turn by turn and report every expectation that did not hold."""
    opts = options or AgentOptions()
    if scenario.faults:
        base = opts.tools or desk_tools(DeskServices.from_store(store))
        opts = replace(opts, tools=faulty_tools(base, scenario.faults))
    engine = build_agent(store, embedder, opts)
    claims_before = _claim_count(store)
    try:
        return _play(engine, scenario, store, claims_before)
    finally:
        engine.parts.tools.close()


def run_repeated(
    scenario: Scenario,
    store: Store,
    embedder: Embedder,
    options: AgentOptions | None = None,
    *,
    times: int = 3,
    phrasing_quorum: int = 2,
) -> RepeatedResult:
    """Play ``scenario`` ``times`` times; see :class:`RepeatedResult` for the policy."""
    runs = tuple(run_scenario(scenario, store, embedder, options) for _ in range(times))
    return RepeatedResult(scenario.name, runs, phrasing_quorum)


def _play(
    engine: AgentEngine, scenario: Scenario, store: Store, claims_before: int
) -> ScenarioResult:
    greeting = engine.start(channel="text")
    sid = greeting.session_id
    transcript: list[tuple[str, str]] = [("", greeting.reply)]
    mismatches: list[Mismatch] = []
    for index, turn in enumerate(scenario.turns, start=1):
        result = engine.turn(sid, turn.say)
        transcript.append((turn.say, result.reply))
        mismatches.extend(_check_turn(index, turn, result))
    engine.end(sid)
    mismatches.extend(_check_stored(scenario, store, sid, claims_before))
    return ScenarioResult(
        scenario.name,
        scenario.source,
        sid,
        len(scenario.turns),
        tuple(mismatches),
        tuple(transcript),
    )


def _check_turn(index: int, turn: ScenarioTurn, result: TurnResult) -> list[Mismatch]:
    expect = turn.expect
    out: list[Mismatch] = []

    def differs(field: str, expected: object, got: object) -> None:
        out.append(Mismatch(index, turn.line, field, str(expected), str(got)))

    if expect.no_journey and result.journey is not None:
        differs("journey", None, result.journey)
    if expect.journey is not None and result.journey != expect.journey:
        differs("journey", expect.journey, result.journey)
    if expect.state is not None and result.state != expect.state:
        differs("state", expect.state, result.state)
    if expect.event is not None and result.event.value != expect.event:
        differs("event", expect.event, result.event.value)
    if expect.ended is not None and result.ended != expect.ended:
        differs("ended", expect.ended, result.ended)
    asking = result.asking
    if expect.asking is not None and asking != expect.asking:
        differs("asking", expect.asking, asking)
    if expect.tools is not None:
        got = [(o.tool, o.status.value, succeeded(o)) for o in result.tool_outcomes]
        wanted = [(t.name, t.status) for t in expect.tools]
        same = len(got) == len(wanted) and all(
            name == w_name
            and (w_status is None or status == w_status or (w_status == "failed" and not ok))
            for (name, status, ok), (w_name, w_status) in zip(got, wanted, strict=True)
        )
        if not same:
            differs("tools", wanted, [(n, s) for n, s, _ in got])
    missing = [g for g in expect.guidelines if g not in result.guidelines]
    if missing:
        differs("guidelines", list(expect.guidelines), list(result.guidelines))
    lowered = result.reply.lower()
    for phrase in expect.reply_contains:
        if phrase.lower() not in lowered:
            differs("reply_contains", phrase, result.reply)
    for phrase in expect.reply_excludes:
        if phrase.lower() in lowered:
            differs("reply_excludes", phrase, result.reply)
    validation = result.validation
    if expect.validation is not None and validation is not None:
        state = "fixed" if validation.fixed else "passed"
        if state != expect.validation:
            differs("validation", expect.validation, state)
    if expect.failed_checks and validation is not None:
        failed = {v.check.value for v in validation.verdicts if not v.passed}
        absent = [c for c in expect.failed_checks if c not in failed]
        if absent:
            differs("failed_checks", list(expect.failed_checks), sorted(failed))
    return out


def _check_stored(scenario: Scenario, store: Store, session_id: str, before: int) -> list[Mismatch]:
    expect = scenario.stored
    out: list[Mismatch] = []
    if expect.new_claims is not None:
        added = _claim_count(store) - before
        if added != expect.new_claims:
            out.append(Mismatch(0, 0, "stored.new_claims", str(expect.new_claims), str(added)))
    events = AuditLog(store).events(session_id)
    if expect.events_at_least is not None and len(events) < expect.events_at_least:
        out.append(
            Mismatch(0, 0, "stored.events_at_least", str(expect.events_at_least), str(len(events)))
        )
    kinds = {e.kind.value for e in events}
    for kind in expect.event_kinds:
        if kind not in kinds:
            out.append(Mismatch(0, 0, "stored.event_kinds", kind, str(sorted(kinds))))
    if expect.verdicts_failed:
        failed = {
            v.check for v in AgentSessionRepository(store).verdicts(session_id) if not v.passed
        }
        for check in expect.verdicts_failed:
            if check not in failed:
                out.append(Mismatch(0, 0, "stored.verdicts_failed", check, str(sorted(failed))))
    return out


def _claim_count(store: Store) -> int:
    return DeskRepository(store).count("claims")
