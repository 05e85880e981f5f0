"""What a tool call established: success, the value a result slot takes, grounded facts.

A reply may state a claim number, an amount, a date or a status only when a tool returned
it in this session (the validator's grounding check). The set of grounded values is every
scalar leaf of every successful tool result, as the text the result carries ("2840.00",
"2026-03-14", "CLM-2026-00012"); the validator normalises what a reply says to compare.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from colloquy.agent.tools.outcome import ToolOutcome


def succeeded(outcome: ToolOutcome) -> bool:
    """The call worked *and* did what was asked: a verification that did not match failed."""
    if not outcome.ok or outcome.result is None:
        return False
    return getattr(outcome.result, "verified", True) is not False


def result_value(outcome: ToolOutcome, slot: str) -> str | None:
    """The result field a ``result_slot`` takes: the slot's own name, else ``*_number``.

    ``claim_id ← claim_number`` is the convention the shipped journeys use (a submitted
    claim's id is its claim number); docs/journeys.md documents it.
    """
    if outcome.result is None:
        return None
    names = [slot]
    if slot.endswith("_id"):
        names.append(slot.removesuffix("_id") + "_number")
    for name in names:
        value = getattr(outcome.result, name, None)
        if value is not None:
            return str(value)
    return None


def grounded_values(outcomes: Iterable[ToolOutcome]) -> frozenset[str]:
    """Every scalar a successful tool result holds, as text."""
    values: set[str] = set()
    for outcome in outcomes:
        if succeeded(outcome) and outcome.result is not None:
            values.update(_leaves(outcome.result.model_dump(mode="json")))
    return frozenset(v for v in values if v)


def _leaves(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, bool) or value is None:
        return
    else:
        yield str(value)
