"""Stepping a journey: fill, run, transition — deterministically, until the state waits.

One customer message can carry a journey several states forward ("my phone is 555-0142,
born 3 March 1980" verifies and reaches the claim question). :func:`advance` loops: a
state with missing required slots waits for them; a state with a tool step runs it once
its arguments are known; the first transition whose condition holds moves on. A state
is entered at most once per message, so a failed step that leads back to an earlier state
(verification failed → verify again) stops there and asks, instead of looping.

Conditions are the journey format's small, closed set (``records.Transition``); an
``intent:LABEL`` condition holds when the message's dialogue act (``acts``) or the
intent classifier's label is ``LABEL``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from colloquy.agent.engine.grounding import result_value, succeeded
from colloquy.agent.journeys.records import Journey, JourneyState, Slot
from colloquy.agent.tools.outcome import ToolOutcome, ToolStatus

ToolRunner = Callable[[str, Mapping[str, str]], ToolOutcome]

MAX_STEPS = 16

_TRANSIENT = frozenset({ToolStatus.TIMEOUT, ToolStatus.RATE_LIMITED})


@dataclass(frozen=True, slots=True)
class Step:
    """One transition taken: from, to, and the condition that held."""

    source: str
    target: str
    condition: str


@dataclass(frozen=True, slots=True)
class Advance:
    """Where a message left the journey, and everything that happened on the way."""

    state: str
    slots: tuple[tuple[str, str], ...]
    steps: tuple[Step, ...]
    outcomes: tuple[ToolOutcome, ...]
    asking: Slot | None
    waiting_on_intent: bool
    final: bool


def advance(
    journey: Journey,
    state_name: str,
    slots: Mapping[str, str],
    *,
    labels: frozenset[str],
    run_tool: ToolRunner,
    tool_slots: frozenset[str],
) -> Advance:
    """Run ``journey`` from ``state_name`` as far as the known ``slots`` allow.

    ``labels`` are the message's dialogue acts and intent labels (for ``intent:``
    conditions). ``tool_slots`` names slots a tool filled: a failed step clears the
    caller-given arguments it used (so they are asked again) but never tool results.
    """
    values = dict(slots)
    steps: list[Step] = []
    outcomes: list[ToolOutcome] = []
    entered = {state_name}
    current = journey.state(state_name)
    ran_here: ToolOutcome | None = None
    for _ in range(MAX_STEPS):
        missing = [name for name in current.required_slots if name not in values]
        if missing:
            return _stop(journey, current, values, steps, outcomes, missing[0])
        if current.tool is not None and ran_here is None:
            arguments = {param: values[slot] for param, slot in current.tool.arguments}
            ran_here = run_tool(current.tool.tool, arguments)
            outcomes.append(ran_here)
            if succeeded(ran_here) and current.tool.result_slot:
                value = result_value(ran_here, current.tool.result_slot)
                if value is not None:
                    values[current.tool.result_slot] = value
            elif not succeeded(ran_here) and ran_here.status not in _TRANSIENT:
                for slot in dict(current.tool.arguments).values():
                    if slot not in tool_slots:
                        values.pop(slot, None)
        target = _first_transition(current, values, ran_here, labels)
        if target is None or target.target in entered:
            if target is not None:
                steps.append(Step(current.name, target.target, target.condition))
                current = journey.state(target.target)
            return _stop(journey, current, values, steps, outcomes, None)
        steps.append(Step(current.name, target.target, target.condition))
        entered.add(target.target)
        current = journey.state(target.target)
        ran_here = None
        if current.final:
            return _stop(journey, current, values, steps, outcomes, None)
    return _stop(journey, current, values, steps, outcomes, None)


def _first_transition(
    state: JourneyState,
    values: Mapping[str, str],
    outcome: ToolOutcome | None,
    labels: frozenset[str],
) -> _Chosen | None:
    for transition in state.transitions:
        if holds(transition.condition, state, values, outcome, labels):
            return _Chosen(transition.target, transition.condition)
    return None


@dataclass(frozen=True, slots=True)
class _Chosen:
    target: str
    condition: str


def holds(
    condition: str,
    state: JourneyState,
    values: Mapping[str, str],
    outcome: ToolOutcome | None,
    labels: frozenset[str],
) -> bool:
    """Whether one transition condition holds now."""
    if condition == "always":
        return True
    if condition == "slots_filled":
        return all(name in values for name in state.required_slots)
    if condition == "tool_ok":
        return outcome is not None and succeeded(outcome)
    if condition == "tool_failed":
        return outcome is not None and not succeeded(outcome)
    kind, _, argument = condition.partition(":")
    if kind == "slot":
        return argument in values
    if kind == "intent":
        return argument in labels
    return False


def _stop(
    journey: Journey,
    state: JourneyState,
    values: Mapping[str, str],
    steps: list[Step],
    outcomes: list[ToolOutcome],
    missing: str | None,
) -> Advance:
    asking = journey.slot(missing) if missing is not None else None
    if asking is None and not state.final:
        pending = [name for name in state.required_slots if name not in values]
        asking = journey.slot(pending[0]) if pending else None
    waiting = any(t.condition.startswith("intent:") for t in state.transitions)
    return Advance(
        state=state.name,
        slots=tuple(sorted(values.items())),
        steps=tuple(steps),
        outcomes=tuple(outcomes),
        asking=asking,
        waiting_on_intent=waiting and asking is None,
        final=state.final,
    )
