"""Approved response templates and how the one for a situation is chosen.

A reply is a sequence of *moves* (what a guideline requires, an opener, a tool's result,
the next question, a read-back, a closing), each said with one approved template. A
template's selectors (journey, state, event, slot, tool, outcome, claim status, guideline,
message pattern, verified) are wildcards when unset; the most specific template that
matches, and whose variables the context can fill, wins, ties going to the one written
first. So the choice is deterministic, and a generic template in ``common.yaml`` always
backs up a journey's specific one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from colloquy.agent.respond.facts import OutcomeKind
from colloquy.agent.turn import TurnEvent

VARIABLE = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")
_ARTICLE = re.compile(r"(?:^|\s)[Aa] $")
"""An "a" just before a variable becomes "an" when the value starts with a vowel (an auto claim)."""


class Move(StrEnum):
    OPENER = "opener"
    """Greets, answers small talk, or acknowledges a change of topic (by ``event``)."""
    TOOL = "tool"
    """Tells one tool outcome of this turn (by ``tool``, ``outcome``, claim ``status``)."""
    ASK = "ask"
    """Asks for the slot the state needs (by ``slot``)."""
    CONFIRM = "confirm"
    """Reads collected details back and asks the caller to confirm."""
    DONE = "done"
    """Closes a journey that reached its final state (by the ``outcome`` of its last tool)."""
    STATE = "state"
    """What a state says next when no question, read-back or closing is due (by ``state``)."""
    GUIDELINE = "guideline"
    """A matched guideline's approved sentence (by ``guideline``), before or after the rest."""
    FALLBACK = "fallback"
    """Said for an ``event`` when no other move had anything to say."""


class Position(StrEnum):
    BEFORE = "before"
    AFTER = "after"


OPENER_EVENTS = frozenset({TurnEvent.GREETING, TurnEvent.NO_JOURNEY, TurnEvent.SWITCHED})


@dataclass(frozen=True, slots=True)
class Situation:
    """What one move is about: the selectors a template is matched against."""

    move: Move
    journey: str | None = None
    state: str | None = None
    event: TurnEvent | None = None
    slot: str | None = None
    tool: str | None = None
    outcome: OutcomeKind | None = None
    status: str | None = None
    guideline: str | None = None
    message: str = ""
    verified: bool = False


@dataclass(frozen=True, slots=True)
class ResponseTemplate:
    """One approved sentence (or two) and the situation it is approved for."""

    id: str
    move: Move
    text: str
    strict: str
    """The strictest safe wording, said when a reply is regenerated (``text`` when unset)."""
    journey: str | None = None
    state: str | None = None
    event: TurnEvent | None = None
    slot: str | None = None
    tool: str | None = None
    outcome: OutcomeKind | None = None
    status: str | None = None
    guideline: str | None = None
    position: Position = Position.AFTER
    pattern: re.Pattern[str] | None = None
    verified: bool | None = None
    source: str = ""

    @property
    def selectors(self) -> tuple[object, ...]:
        return (
            self.move,
            self.journey,
            self.state,
            self.event,
            self.slot,
            self.tool,
            self.outcome,
            self.status,
            self.guideline,
            self.pattern.pattern if self.pattern is not None else None,
            self.verified,
        )

    @property
    def specificity(self) -> int:
        return sum(value is not None for value in self.selectors[1:])

    def variables(self, *, strict: bool = False) -> frozenset[str]:
        return frozenset(VARIABLE.findall(self.strict if strict else self.text))

    def matches(self, at: Situation) -> bool:
        wanted = (
            (self.journey, at.journey),
            (self.state, at.state),
            (self.event, at.event),
            (self.slot, at.slot),
            (self.tool, at.tool),
            (self.outcome, at.outcome),
            (self.status, at.status),
            (self.guideline, at.guideline),
            (self.verified, at.verified),
        )
        if any(mine is not None and mine != theirs for mine, theirs in wanted):
            return False
        return self.pattern is None or self.pattern.search(at.message) is not None

    def render(self, values: Mapping[str, str], *, strict: bool = False) -> str | None:
        """The text filled in from ``values``; ``None`` when one of its variables is missing."""
        text = self.strict if strict else self.text
        if any(name not in values for name in VARIABLE.findall(text)):
            return None
        out: list[str] = []
        position = 0
        for match in VARIABLE.finditer(text):
            before, value = text[position : match.start()], values[match.group(1)]
            if value[:1] and value[0].lower() in "aeiou" and _ARTICLE.search(before):
                before = before[:-1] + "n "
            out += [before, value]
            position = match.end()
        return "".join([*out, text[position:]])


@dataclass(frozen=True, slots=True)
class Said:
    """A rendered move: which template, what it says, and where guidelines put it."""

    template: ResponseTemplate
    text: str


class ResponseCatalog:
    """The loaded templates, indexed by move; :meth:`say` picks and renders one."""

    def __init__(self, templates: Iterable[ResponseTemplate]) -> None:
        self.templates = tuple(templates)
        by_move: dict[Move, list[ResponseTemplate]] = {}
        for template in self.templates:
            by_move.setdefault(template.move, []).append(template)
        self._by_move = {
            move: tuple(sorted(found, key=lambda t: -t.specificity))
            for move, found in by_move.items()
        }

    def __len__(self) -> int:
        return len(self.templates)

    def get(self, template_id: str) -> ResponseTemplate:
        for template in self.templates:
            if template.id == template_id:
                return template
        raise KeyError(template_id)

    def candidates(self, at: Situation) -> tuple[ResponseTemplate, ...]:
        """Every template approved for ``at``, the one to prefer first."""
        return tuple(t for t in self._by_move.get(at.move, ()) if t.matches(at))

    def say(self, at: Situation, values: Mapping[str, str], *, strict: bool = False) -> Said | None:
        """The preferred template for ``at`` that ``values`` can fill, rendered."""
        for template in self.candidates(at):
            text = template.render(values, strict=strict)
            if text is not None:
                return Said(template, text)
        return None


__all__ = [
    "OPENER_EVENTS",
    "VARIABLE",
    "Move",
    "Position",
    "ResponseCatalog",
    "ResponseTemplate",
    "Said",
    "Situation",
]
