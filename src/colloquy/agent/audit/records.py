"""What a replayed session is: its turns, each with every stage the event log holds.

These are read back from stored JSON, so every field has a value even when an older or
partial log lacks it (an empty string, zero, ``None``); the raw events stay available on
:class:`SessionReplay` for anything the summary leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass

from colloquy.agent.turn import AuditEvent, Role, StageTimings, Utterance, Verdict
from colloquy.storage.agent_sessions import StoredSession


@dataclass(frozen=True, slots=True)
class ActivationStep:
    """Which journey the message activated (``None`` below the threshold) and how."""

    journey: str | None
    version: int | None
    score: float
    method: str
    cache_level: str = ""
    runner_up: str | None = None


@dataclass(frozen=True, slots=True)
class TransitionStep:
    """A move between states; ``source`` is empty when the journey began here."""

    journey: str
    version: int | None
    source: str
    target: str
    condition: str


@dataclass(frozen=True, slots=True)
class ToolStep:
    tool: str
    status: str
    arguments: str
    """JSON text of the arguments the tool was called with."""
    result: str
    """JSON text of the result ('' when the call failed)."""
    error: str
    cached: bool
    succeeded: bool
    latency_ms: float


@dataclass(frozen=True, slots=True)
class GuidelineStep:
    name: str
    priority: int
    score: float
    keyword_hit: bool
    method: str


@dataclass(frozen=True, slots=True)
class ReplayTurn:
    """One turn as logged: from the caller's message (none at the greeting) to the reply."""

    turn: int
    message: str | None
    activation: ActivationStep | None
    slots: tuple[tuple[str, str], ...]
    transitions: tuple[TransitionStep, ...]
    tools: tuple[ToolStep, ...]
    guidelines: tuple[GuidelineStep, ...]
    draft: str
    """The responder's reply before validation."""
    responder: str
    verdicts: tuple[Verdict, ...]
    fixed: bool
    reply: str | None
    """What was sent to the caller."""
    timings: StageTimings

    @property
    def failed_verdicts(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if not v.passed)


@dataclass(frozen=True, slots=True)
class SessionReplay:
    """A session rebuilt from its event log alone."""

    session: StoredSession
    turns: tuple[ReplayTurn, ...]
    events: tuple[AuditEvent, ...]

    def transcript(self) -> tuple[Utterance, ...]:
        """What was said, in order: each turn's message, then the reply sent."""
        said: list[Utterance] = []
        for turn in self.turns:
            if turn.message is not None:
                said.append(Utterance(Role.CUSTOMER, turn.message, turn.turn))
            if turn.reply is not None:
                said.append(Utterance(Role.AGENT, turn.reply, turn.turn))
        return tuple(said)
