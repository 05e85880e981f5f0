"""Pure helpers of a turn: which event it was, where slots came from, what identity persists."""

from __future__ import annotations

from colloquy.agent.engine.grounding import succeeded
from colloquy.agent.engine.machine import Advance
from colloquy.agent.engine.session import SessionState
from colloquy.agent.journeys.records import Journey
from colloquy.agent.turn import TurnEvent

VERIFY_TOOL = "verify_customer_identity"


def finished(state: SessionState) -> bool:
    """The previous turn ended the journey: the next message starts afresh."""
    if state.journey is None or state.state is None:
        return False
    return state.journey.state(state.state).final


def first_ask(journey: Journey) -> str | None:
    first = journey.state(journey.initial_state)
    return first.required_slots[0] if first.required_slots else None


def turn_event(switched: bool, adv: Advance | None, journey: Journey | None) -> TurnEvent:
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


def identity_profile(
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


def sources_after(sources: dict[str, str], adv: Advance, journey: Journey) -> dict[str, str]:
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
