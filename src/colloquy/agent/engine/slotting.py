"""Which slots a journey starts with, and which a message fills.

Typed values (dates, phone numbers, amounts) are matched to the slots of the state that
asks for them first; values for later states are kept only when a pattern finds them
unambiguously, so "born 1979-11-02" is the birth date and never also the incident date.
"""

from __future__ import annotations

from colloquy.agent.engine.session import SessionState
from colloquy.agent.journeys.records import Journey
from colloquy.agent.journeys.slots import SlotFiller

_PATTERNS_ONLY = SlotFiller()


def carried_slots(
    state: SessionState, journey: Journey, *, carry: bool
) -> tuple[dict[str, str], dict[str, str]]:
    """Slots (and their sources) ``journey`` starts with: the verified identity always; on a
    switch mid-way, what the caller told the previous journey too. A slot the new journey
    fills from a tool is kept only when that same tool filled it."""
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
    return slots, kept


def fill_slots(
    filler: SlotFiller,
    state: SessionState,
    journey: Journey,
    message: str,
    asked: str | None,
    labels: frozenset[str],
) -> tuple[dict[str, str], dict[str, str]]:
    produced = {
        st.tool.result_slot for st in journey.states if st.tool is not None and st.tool.result_slot
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
    first = filler.fill(message, here, known=known, asked=asked)
    second = _PATTERNS_ONLY.fill(message, later, known={**known, **first.values}, asked=asked)
    found = {**second.values, **first.values}
    slots = {**state.slot_map(), **found}
    sources = {**sources, **dict.fromkeys(found, "caller")}
    return slots, sources
