"""Scenario files: scripted conversations with what the agent must do at each turn.

A scenario is the agent's acceptance test in the form a business analyst can read (Rasa's
test stories, Parlant's evaluations): what the caller says, and the journey, state, tool
calls, reply wording and validator verdicts expected in return, plus what must end up in
the store. Every expectation is optional; an absent one is not checked.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ToolExpectation:
    name: str
    status: str | None = None
    """``ok``, ``error``, ``timeout``, … (``ToolStatus``); ``failed`` for any unsuccessful call."""


@dataclass(frozen=True, slots=True)
class TurnExpectation:
    journey: str | None = None
    no_journey: bool = False
    state: str | None = None
    event: str | None = None
    asking: str | None = None
    tools: tuple[ToolExpectation, ...] | None = None
    """The exact tool calls of the turn, in order (``()``: none at all)."""
    guidelines: tuple[str, ...] = ()
    """Guidelines that must have matched (others may match too)."""
    reply_contains: tuple[str, ...] = ()
    reply_excludes: tuple[str, ...] = ()
    validation: str | None = None
    """``passed`` (no fix needed) or ``fixed``."""
    failed_checks: tuple[str, ...] = ()
    """Validator checks that must have failed (and been fixed) this turn."""
    ended: bool | None = None


@dataclass(frozen=True, slots=True)
class ScenarioTurn:
    say: str
    expect: TurnExpectation
    line: int


@dataclass(frozen=True, slots=True)
class StoredExpectation:
    """Rows the conversation must leave in the store."""

    new_claims: int | None = None
    events_at_least: int | None = None
    event_kinds: tuple[str, ...] = ()
    """Kinds that must appear in the audit log at least once."""
    verdicts_failed: tuple[str, ...] = ()
    """Checks with at least one failing row in ``validation_audit``."""


@dataclass(frozen=True, slots=True)
class ToolFault:
    """Make a tool slow, to exercise timeouts: ``delay_s`` added, ``timeout_s`` imposed."""

    tool: str
    delay_s: float
    timeout_s: float


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    turns: tuple[ScenarioTurn, ...]
    stored: StoredExpectation
    faults: tuple[ToolFault, ...] = ()
    source: str = ""


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One expectation that did not hold: the turn (0 = the stored rows), what, got."""

    turn: int
    line: int
    field: str
    expected: str
    got: str


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    scenario: str
    source: str
    session_id: str
    turns: int
    mismatches: tuple[Mismatch, ...]
    transcript: tuple[tuple[str, str], ...]
    """(customer, agent) per turn, the greeting first with an empty customer side."""

    @property
    def passed(self) -> bool:
        return not self.mismatches


PHRASING_FIELDS = frozenset({"reply_contains"})
"""Expectations about wording: an LLM responder may phrase a fact differently now and then."""


@dataclass(frozen=True, slots=True)
class RepeatedResult:
    """One scenario played several times (an LLM responder is not deterministic).

    The repeat policy: every deterministic expectation (journey, state, tools, validator,
    stored rows, what a reply must never say) holds in every run; wording expectations
    (``reply_contains``) hold in at least ``phrasing_quorum`` runs.
    """

    scenario: str
    runs: tuple[ScenarioResult, ...]
    phrasing_quorum: int

    def deterministic_failures(self) -> int:
        return sum(any(m.field not in PHRASING_FIELDS for m in run.mismatches) for run in self.runs)

    def phrasing_passes(self) -> int:
        return sum(not any(m.field in PHRASING_FIELDS for m in run.mismatches) for run in self.runs)

    @property
    def passed(self) -> bool:
        return self.deterministic_failures() == 0 and self.phrasing_passes() >= self.phrasing_quorum
