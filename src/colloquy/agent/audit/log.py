"""The stored audit log the engine writes every stage of every turn to.

Each call is one transaction that numbers its event under the session row's lock, so an
event the engine recorded is never lost to a concurrent append, and a crash leaves the log
a prefix of what happened (never a gap). Two facts the log sees are copied onto the
session row so sessions can be listed and filtered without reading payloads: the journey
version a session runs (pinned when a journey begins) and the customer once identity
verification succeeded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from colloquy.agent.audit.payload import payload_json
from colloquy.agent.turn import AuditEvent, EventKind, ValidationOutcome
from colloquy.errors import ConflictError, DataError
from colloquy.storage.agent_sessions import (
    ENDED,
    AgentSessionRepository,
    NewEvent,
    StoredEvent,
    StoredVerdict,
)

if TYPE_CHECKING:
    from colloquy.storage.store import Store

VERIFY_TOOL = "verify_customer_identity"
"""The tool whose success identifies the caller (its result names ``customer_id``)."""

MetadataValue = str | int | float | bool | None


class AuditLog:
    """Sessions and their ordered events in a store; safe to share between threads."""

    def __init__(self, store: Store) -> None:
        self.repository = AgentSessionRepository(store)

    def start(
        self,
        session_id: str,
        channel: str = "text",
        *,
        customer_id: str | None = None,
        metadata: Mapping[str, MetadataValue] | None = None,
    ) -> None:
        """Open the session's row and log ``SESSION_STARTED`` (turn 0), together."""
        started = {
            "channel": channel,
            "customer_id": customer_id,
            "metadata": dict(metadata or {}),
        }
        self.repository.create(
            channel=channel,
            session_id=session_id,
            customer_id=customer_id,
            metadata=metadata,
            events=[NewEvent(0, EventKind.SESSION_STARTED.value, payload_json(started))],
        )

    def record(
        self,
        session_id: str,
        turn: int,
        kind: EventKind,
        payload: object,
        latency_ms: float = 0.0,
    ) -> None:
        """Append one event; ``payload`` is JSON text or a record (:func:`payload_json`)."""
        text = payload_json(payload)
        self.repository.append(session_id, [NewEvent(turn, kind.value, text, latency_ms)])
        if kind is EventKind.TRANSITION:
            self._pin_journey(session_id, text)
        elif kind is EventKind.TOOL_CALL:
            self._note_customer(session_id, text)

    def record_many(
        self, session_id: str, events: Sequence[tuple[int, EventKind, object, float]]
    ) -> None:
        """Append several events of one session in one transaction, in order.

        ``events`` are ``(turn, kind, payload, latency_ms)``; the engine buffers a turn's
        stages and writes them together, one commit instead of one per stage.
        """
        if not events:
            return
        texts = [(turn, kind, payload_json(payload), ms) for turn, kind, payload, ms in events]
        self.repository.append(
            session_id, [NewEvent(turn, kind.value, text, ms) for turn, kind, text, ms in texts]
        )
        for _, kind, text, _ in texts:
            if kind is EventKind.TRANSITION:
                self._pin_journey(session_id, text)
            elif kind is EventKind.TOOL_CALL:
                self._note_customer(session_id, text)

    def record_validation(self, session_id: str, turn: int, outcome: ValidationOutcome) -> None:
        """Every verdict as a ``validation_audit`` row and the outcome as one event, together."""
        verdicts = [
            StoredVerdict(
                turn, v.sentence_index, v.check.value, v.passed, v.sentence, v.reason, v.fix
            )
            for v in outcome.verdicts
        ]
        event = NewEvent(
            turn, EventKind.VALIDATION.value, payload_json(outcome), outcome.latency_ms
        )
        self.repository.save_verdicts(session_id, verdicts, event)

    def end(self, session_id: str) -> None:
        """Log ``SESSION_ENDED`` and close the session; ending an ended session does nothing."""
        session = self.repository.get(session_id)
        if session.status == ENDED:
            return
        summary = {"turns": session.turns, "events": session.events + 1}
        event = NewEvent(session.turns, EventKind.SESSION_ENDED.value, payload_json(summary))
        try:
            self.repository.end(session_id, [event])
        except ConflictError:
            if self.repository.get(session_id).status != ENDED:
                raise

    def events(self, session_id: str) -> tuple[AuditEvent, ...]:
        """The session's events in order, as the agent's records."""
        return tuple(audit_event(e) for e in self.repository.events(session_id))

    def _pin_journey(self, session_id: str, text: str) -> None:
        data = _object(text)
        journey, version = data.get("journey"), data.get("version")
        if data.get("source") or not isinstance(journey, str) or not isinstance(version, int):
            return
        self.repository.update(session_id, journey=journey, journey_version=version)

    def _note_customer(self, session_id: str, text: str) -> None:
        data = _object(text)
        result = data.get("result")
        if data.get("tool") != VERIFY_TOOL or data.get("succeeded") is not True:
            return
        customer = result.get("customer_id") if isinstance(result, dict) else None
        if isinstance(customer, str) and customer:
            self.repository.update(session_id, customer_id=customer)


def audit_event(event: StoredEvent) -> AuditEvent:
    """A stored event as the agent's :class:`AuditEvent` (an unknown kind is a DataError)."""
    if event.kind not in {k.value for k in EventKind}:
        raise DataError(
            f"event {event.seq} of session {event.session_id!r} has an unknown kind {event.kind!r}",
            hint="read it with the colloquy version that recorded it",
        )
    return AuditEvent(
        session_id=event.session_id,
        seq=event.seq,
        turn=event.turn,
        kind=EventKind(event.kind),
        payload=event.payload,
        latency_ms=event.latency_ms,
        created_at=event.created_at.isoformat(),
    )


def _object(text: str) -> dict[str, object]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}
