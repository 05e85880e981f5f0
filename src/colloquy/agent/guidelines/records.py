"""Typed, frozen guideline records (Parlant's condition → action rules, with a scope).

A guideline applies when its ``condition`` holds for the caller's message. ``scope`` says
where it is active: everywhere (``global``), inside one journey, or in one state of one
journey. ``priority`` orders matched guidelines (higher first) when a responder can only
honour some; ``once`` guidelines apply at most once per session (a greeting disclaimer).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    GLOBAL = "global"
    JOURNEY = "journey"
    STATE = "state"


@dataclass(frozen=True, slots=True)
class Guideline:
    name: str
    scope: Scope
    condition: str
    action: str
    priority: int = 0
    keywords: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    journey: str | None = None
    state: str | None = None
    once: bool = False
    content_hash: str = ""
    source: str = ""

    def in_scope(self, journey: str | None, state: str | None) -> bool:
        """Whether the guideline is active in this journey and state."""
        if self.scope is Scope.GLOBAL:
            return True
        if self.scope is Scope.JOURNEY:
            return journey == self.journey
        return journey == self.journey and state == self.state


@dataclass(frozen=True, slots=True)
class GuidelineMatch:
    """A guideline whose condition holds, with the evidence: similarity and keyword hit."""

    guideline: Guideline
    score: float
    keyword_hit: bool
    method: str = "embedding"


@dataclass(frozen=True, slots=True)
class AppliedGuidelines:
    """Which guidelines a session already applied, and at which turn (the engine holds it).

    Immutable: :meth:`mark` returns the next value, so a turn that fails part-way leaves
    the previous record untouched.
    """

    session_id: str
    applied: tuple[tuple[str, int], ...] = ()

    def names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.applied)

    def has(self, name: str) -> bool:
        return any(n == name for n, _ in self.applied)

    def turn_of(self, name: str) -> int | None:
        return next((turn for n, turn in self.applied if n == name), None)

    def mark(self, names: tuple[str, ...] | list[str], turn: int) -> AppliedGuidelines:
        new = tuple((n, turn) for n in dict.fromkeys(names) if not self.has(n))
        return AppliedGuidelines(self.session_id, self.applied + new)
