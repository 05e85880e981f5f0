"""One conversation's state between turns, and the registry that holds many of them.

State is an immutable value: a turn computes the next :class:`SessionState` and the
registry swaps it in only when the turn finished, so a turn that fails part-way leaves
the session as it was. Turns of one session run one at a time (a per-session lock);
different sessions run concurrently.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from colloquy.agent.guidelines.records import AppliedGuidelines
from colloquy.agent.journeys.records import Journey
from colloquy.agent.tools.outcome import ToolOutcome
from colloquy.agent.turn import Utterance
from colloquy.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class SessionState:
    """Where one conversation stands: its pinned journey, slots, verification, history.

    ``sources`` says where each slot came from (``caller`` or ``tool:NAME``), which decides
    what a journey switch carries over; ``memo`` holds successful read-only tool outcomes,
    so a switch to a journey that verifies again reuses the verification.
    """

    session_id: str
    channel: str
    turn: int = 0
    journey: Journey | None = None
    state: str | None = None
    slots: tuple[tuple[str, str], ...] = ()
    sources: tuple[tuple[str, str], ...] = ()
    profile: tuple[tuple[str, str, str], ...] = ()
    """(slot, value, source) of the verified identity, kept across journeys all session."""
    asking: str | None = None
    verified: bool = False
    applied: AppliedGuidelines = field(default_factory=lambda: AppliedGuidelines(""))
    history: tuple[Utterance, ...] = ()
    grounded: frozenset[str] = frozenset()
    memo: tuple[ToolOutcome, ...] = ()
    ended: bool = False

    def slot_map(self) -> dict[str, str]:
        return dict(self.slots)

    def source_map(self) -> dict[str, str]:
        return dict(self.sources)


class SessionRegistry:
    """Sessions of one process, each with its own lock."""

    def __init__(self) -> None:
        self._states: dict[str, SessionState] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def add(self, state: SessionState) -> None:
        with self._guard:
            self._states[state.session_id] = state
            self._locks[state.session_id] = threading.Lock()

    def get(self, session_id: str) -> SessionState:
        with self._guard:
            found = self._states.get(session_id)
        if found is None:
            raise NotFoundError(
                f"no agent session {session_id!r} in this process",
                hint="start one first (POST /v1/agent/sessions or `colloquy agent chat`)",
            )
        return found

    def put(self, state: SessionState) -> None:
        with self._guard:
            self._states[state.session_id] = state

    def remove(self, session_id: str) -> None:
        with self._guard:
            self._states.pop(session_id, None)
            self._locks.pop(session_id, None)

    def __len__(self) -> int:
        with self._guard:
            return len(self._states)

    def __contains__(self, session_id: object) -> bool:
        with self._guard:
            return session_id in self._states

    @contextmanager
    def locked(self, session_id: str) -> Iterator[SessionState]:
        """The session's current state, with its turn lock held."""
        self.get(session_id)
        with self._guard:
            lock = self._locks[session_id]
        with lock:
            yield self.get(session_id)
