"""What one agent turn hands from stage to stage: the records every stage agrees on.

The engine builds a :class:`TurnContext` after activation, slot filling, transitions, tool
steps and guideline matching; a responder turns it into a :class:`Reply`; the validator
checks that reply against the same context and returns a :class:`ValidationOutcome`; the
audit log stores each stage as an :class:`AuditEvent`. Keeping these in one small module
lets the responders, the validator and the audit evolve without importing the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from colloquy.agent.guidelines.records import GuidelineMatch
from colloquy.agent.journeys.records import Journey, JourneyState, Slot
from colloquy.agent.tools.outcome import ToolOutcome


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"


@dataclass(frozen=True, slots=True)
class Utterance:
    """One message of the session's transcript, as it was said (agent text after validation)."""

    role: Role
    text: str
    turn: int


class TurnEvent(StrEnum):
    """What happened this turn that the reply must speak to (beyond the state's instruction)."""

    GREETING = "greeting"
    """The session just opened; no journey yet."""
    NO_JOURNEY = "no_journey"
    """The message activated no journey and none is running."""
    ASK_SLOT = "ask_slot"
    """The state needs a slot; ``TurnContext.asking`` says which."""
    TOOL_RESULT = "tool_result"
    """A tool step ran this turn; its outcome is in ``TurnContext.tool_outcomes``."""
    TOOL_FAILED = "tool_failed"
    """A tool step failed (error, timeout, rate limit); the reply must not invent a result."""
    CONFIRM = "confirm"
    """The state waits for the caller to confirm or correct."""
    JOURNEY_DONE = "journey_done"
    """The journey reached a final state."""
    SWITCHED = "switched"
    """The caller changed topic; a different journey started this turn."""


@dataclass(frozen=True, slots=True)
class TurnContext:
    """Everything a responder may say and everything the validator checks against.

    ``grounded`` holds every value (claim ids, amounts, dates, statuses) a tool returned in
    this session: a reply may state those and no others. ``verified`` is true once
    ``verify_customer_identity`` succeeded in this session.
    """

    session_id: str
    turn: int
    message: str
    event: TurnEvent
    journey: Journey | None = None
    state: JourneyState | None = None
    asking: Slot | None = None
    slots: tuple[tuple[str, str], ...] = ()
    verified: bool = False
    guidelines: tuple[GuidelineMatch, ...] = ()
    tool_outcomes: tuple[ToolOutcome, ...] = ()
    grounded: frozenset[str] = frozenset()
    history: tuple[Utterance, ...] = ()

    def slot(self, name: str) -> str | None:
        return next((value for key, value in self.slots if key == name), None)

    def customer_texts(self) -> tuple[str, ...]:
        """What the caller said in this session, this turn's message included."""
        said = tuple(u.text for u in self.history if u.role is Role.CUSTOMER)
        return said if said and said[-1] == self.message else (*said, self.message)


@dataclass(frozen=True, slots=True)
class Reply:
    """A responder's answer before validation."""

    text: str
    responder: str
    """``template`` (offline, approved templates) or ``llm``."""
    template_ids: tuple[str, ...] = ()
    prompt: str = ""
    """``name@version`` of the prompt, for an LLM reply."""
    latency_ms: float = 0.0
    tokens: int = 0
    fallback: str = ""
    """Why the LLM's reply was replaced by the template one ('' when it was not)."""


class Check(StrEnum):
    """The validator's deterministic checks, one per compliance rule of the issue."""

    VERIFICATION = "verification"
    """No account data before identity verification."""
    DISCLAIMER = "disclaimer"
    """A required disclaimer is present."""
    PII_ECHO = "pii_echo"
    """No personal data the caller gave is repeated back."""
    PROMISE = "promise"
    """No approval, amount or date promised outside policy."""
    GROUNDING = "grounding"
    """Every claim id, amount and date stated was returned by a tool."""
    LLM_JUDGE = "llm_judge"
    """The optional LLM second opinion."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """One check on one sentence of a reply."""

    check: Check
    sentence_index: int
    sentence: str
    passed: bool
    reason: str = ""
    fix: str = ""
    """The sentence that replaced the failing one ('' when it was dropped or none needed)."""


@dataclass(frozen=True, slots=True)
class ValidationOutcome:
    """The reply that may be sent, and every verdict that led to it."""

    text: str
    verdicts: tuple[Verdict, ...]
    fixed: bool
    attempts: int = 1
    latency_ms: float = 0.0

    @property
    def passed(self) -> bool:
        """True when the original reply needed no fix."""
        return not self.fixed


class EventKind(StrEnum):
    """The ordered event log of a session; replay rebuilds the conversation from it."""

    SESSION_STARTED = "session_started"
    MESSAGE = "message"
    ACTIVATION = "activation"
    SLOT_FILL = "slot_fill"
    TRANSITION = "transition"
    GUIDELINE_MATCH = "guideline_match"
    TOOL_CALL = "tool_call"
    RESPONSE = "response"
    VALIDATION = "validation"
    REPLY = "reply"
    VOICE_TIMING = "voice_timing"
    """Per-stage milliseconds of one voice turn (VAD stop to first audio packet out)."""
    CONVERSION_SCORE = "conversion_score"
    """A call's conversion probability after one turn, scored while the call goes on."""
    SESSION_ENDED = "session_ended"


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One event: ``payload`` is JSON text of the stage's record; ``seq`` orders a session."""

    session_id: str
    seq: int
    turn: int
    kind: EventKind
    payload: str
    latency_ms: float = 0.0
    created_at: str = ""


@dataclass(frozen=True, slots=True)
class StageTimings:
    """Milliseconds per stage of one turn (absent stages are 0)."""

    activation: float = 0.0
    slots: float = 0.0
    tools: float = 0.0
    guidelines: float = 0.0
    respond: float = 0.0
    validate: float = 0.0
    total: float = 0.0


@dataclass(frozen=True, slots=True)
class TurnResult:
    """What a channel shows for one turn: the validated reply and how it came about."""

    session_id: str
    turn: int
    reply: str
    journey: str | None
    state: str | None
    event: TurnEvent
    asking: str | None = None
    """The slot the reply asks for, if any."""
    tool_outcomes: tuple[ToolOutcome, ...] = ()
    guidelines: tuple[str, ...] = ()
    validation: ValidationOutcome | None = None
    timings: StageTimings = field(default_factory=StageTimings)
    ended: bool = False
