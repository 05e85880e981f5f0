"""A turn's audit events, buffered and written together: one commit instead of one per stage.

The engine records a dozen events per turn (message, activation, slots, each transition and
tool call, guideline matches, response, verdicts, reply). Written one by one, each is a
transaction — on SQLite an fsync each. :class:`TurnLog` keeps them in order and hands them
to the audit log in one batch when the validator's verdicts are written and when the turn
ends; a turn that fails part-way still writes what it buffered (``flush`` in a ``finally``),
so the log stays a prefix of what happened.
"""

from __future__ import annotations

from collections.abc import Sequence

from colloquy.agent.engine.ports import AuditPort
from colloquy.agent.turn import EventKind, ValidationOutcome


class TurnLog:
    """An :class:`AuditPort` for one session's turn that batches ``record`` calls."""

    def __init__(self, audit: AuditPort, session_id: str) -> None:
        self.audit = audit
        self.session_id = session_id
        self._pending: list[tuple[int, EventKind, object, float]] = []

    def start(self, session_id: str, channel: str) -> None:
        self.audit.start(session_id, channel)

    def record(
        self, session_id: str, turn: int, kind: EventKind, payload: str, latency_ms: float = 0.0
    ) -> None:
        if session_id != self.session_id:
            raise ValueError(f"this turn log belongs to session {self.session_id!r}")
        self._pending.append((turn, kind, payload, latency_ms))

    def record_many(
        self, session_id: str, events: Sequence[tuple[int, EventKind, object, float]]
    ) -> None:
        for turn, kind, payload, latency_ms in events:
            self._pending.append((turn, kind, payload, latency_ms))

    def record_validation(self, session_id: str, turn: int, outcome: ValidationOutcome) -> None:
        self.flush()
        self.audit.record_validation(session_id, turn, outcome)

    def end(self, session_id: str) -> None:
        self.flush()
        self.audit.end(session_id)

    def flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, []
            self.audit.record_many(self.session_id, pending)
