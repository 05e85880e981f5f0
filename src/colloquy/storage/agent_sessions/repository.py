"""Agent sessions, their ordered event log and the validator's per-sentence verdicts.

A session's events are numbered 1, 2, 3 … with no gap and no repeat, however many threads
or processes append at once: every append first bumps the session row's ``events``
counter with ``UPDATE … RETURNING`` and inserts under the number it got, in the same
transaction. The row lock the update takes (PostgreSQL) or the write lock (SQLite)
serialises appends to one session, and the unique ``(session_id, seq)`` index would refuse
a duplicate should anything slip past. Payloads are JSON text the agent writes; storage
does not read them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, insert, select, tuple_, update

from colloquy.errors import ConflictError, NotFoundError, UsageError
from colloquy.storage.agent_sessions.tables import (
    ACTIVE,
    CHANNELS,
    ENDED,
    SESSION_ID_LENGTH,
    agent_events,
    agent_sessions,
    validation_audit,
)
from colloquy.storage.ids import uuid7

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from colloquy.storage.store import Store


@dataclass(frozen=True, slots=True)
class StoredSession:
    id: str
    channel: str
    customer_id: str | None
    journey: str | None
    journey_version: int | None
    status: str
    turns: int
    events: int
    """How many events the log holds (the last ``seq``)."""
    started_at: datetime
    ended_at: datetime | None
    metadata: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append; the repository gives it its ``seq``."""

    turn: int
    kind: str
    payload: str
    latency_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class StoredEvent:
    session_id: str
    seq: int
    turn: int
    kind: str
    payload: str
    latency_ms: float
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredVerdict:
    turn: int
    sentence_index: int
    check: str
    passed: bool
    sentence: str
    reason: str = ""
    fix: str = ""


@dataclass(frozen=True, slots=True)
class SessionPage:
    """Sessions newest first, and the id to pass as ``before`` for the next page (or None)."""

    sessions: tuple[StoredSession, ...]
    next_before: str | None


@dataclass(frozen=True, slots=True)
class LogCount:
    """Events stored against events numbered, over some sessions: the load test's tally.

    ``numbered`` sums the sessions' counters (every seq handed out); ``stored`` counts
    event rows. A handed-out number without a row would be a lost event.
    """

    sessions: int
    numbered: int
    stored: int
    by_kind: tuple[tuple[str, int], ...]

    @property
    def lost(self) -> int:
        return self.numbered - self.stored


class AgentSessionRepository:
    """Sessions, their append-only event log and validation verdicts in one store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def create(
        self,
        *,
        channel: str,
        session_id: str | None = None,
        customer_id: str | None = None,
        journey: str | None = None,
        journey_version: int | None = None,
        metadata: Mapping[str, Any] | None = None,
        events: Sequence[NewEvent] = (),
    ) -> StoredSession:
        """Open a session (a new UUIDv7 id unless ``session_id`` is given) and append its
        first ``events`` in the same transaction; ids are unique."""
        if channel not in CHANNELS:
            raise UsageError(
                f"unknown session channel {channel!r}", hint=f"use one of {', '.join(CHANNELS)}"
            )
        new_id = session_id or uuid7()
        if len(new_id) > SESSION_ID_LENGTH:
            raise UsageError(
                f"session id {new_id[:20]!r}… is longer than {SESSION_ID_LENGTH} characters",
                hint="leave session_id out to get a UUIDv7",
            )
        with self._store.transaction() as conn:
            exists = conn.execute(
                select(agent_sessions.c.id).where(agent_sessions.c.id == new_id)
            ).first()
            if exists is not None:
                raise ConflictError(
                    f"agent session {new_id!r} already exists",
                    hint="use a new session id, or leave it out to get a fresh one",
                )
            conn.execute(
                insert(agent_sessions).values(
                    id=new_id,
                    channel=channel,
                    customer_id=customer_id,
                    journey=journey,
                    journey_version=journey_version,
                    status=ACTIVE,
                    turns=0,
                    events=0,
                    started_at=datetime.now(UTC),
                    metadata=dict(metadata or {}),
                )
            )
            _append(conn, new_id, events)
            return _session(_session_row(conn, new_id))

    def get(self, session_id: str) -> StoredSession:
        with self._store.transaction() as conn:
            return _session(_session_row(conn, session_id))

    def update(
        self,
        session_id: str,
        *,
        customer_id: str | None = None,
        journey: str | None = None,
        journey_version: int | None = None,
    ) -> StoredSession:
        """Set the verified customer and the pinned journey version (None keeps a value)."""
        values: dict[str, object] = {
            name: value
            for name, value in (
                ("customer_id", customer_id),
                ("journey", journey),
                ("journey_version", journey_version),
            )
            if value is not None
        }
        with self._store.transaction() as conn:
            row = _session_row(conn, session_id)
            if values:
                values["updated_at"] = datetime.now(UTC)
                conn.execute(
                    update(agent_sessions).where(agent_sessions.c.id == row.id).values(**values)
                )
                row = _session_row(conn, session_id)
            return _session(row)

    def append(self, session_id: str, events: Sequence[NewEvent]) -> tuple[StoredEvent, ...]:
        """Append ``events`` in order under the session's next numbers, all or none."""
        with self._store.transaction() as conn:
            return _append(conn, session_id, events)

    def end(self, session_id: str, events: Sequence[NewEvent] = ()) -> StoredSession:
        """Mark a session ended after appending ``events``; ending twice is refused."""
        with self._store.transaction() as conn:
            if not _append(conn, session_id, events):
                _active_row(conn, session_id)
            now = datetime.now(UTC)
            conn.execute(
                update(agent_sessions)
                .where(agent_sessions.c.id == session_id)
                .values(status=ENDED, ended_at=now, updated_at=now)
            )
            return _session(_session_row(conn, session_id))

    def save_verdicts(
        self, session_id: str, verdicts: Sequence[StoredVerdict], event: NewEvent | None = None
    ) -> tuple[StoredEvent, ...]:
        """Write verdict rows and (optionally) their event in one transaction."""
        with self._store.transaction() as conn:
            appended = _append(conn, session_id, [event] if event is not None else [])
            if not appended:
                _active_row(conn, session_id)
            if verdicts:
                conn.execute(
                    insert(validation_audit),
                    [
                        {
                            "id": uuid7(),
                            "session_id": session_id,
                            "turn": v.turn,
                            "sentence_index": v.sentence_index,
                            "check": v.check,
                            "passed": v.passed,
                            "sentence": v.sentence,
                            "reason": v.reason,
                            "fix": v.fix,
                        }
                        for v in verdicts
                    ],
                )
            return appended

    def events(
        self, session_id: str, *, after: int = 0, limit: int | None = None
    ) -> tuple[StoredEvent, ...]:
        """The session's events with ``seq`` above ``after``, in order."""
        query = (
            select(agent_events)
            .where(agent_events.c.session_id == session_id, agent_events.c.seq > after)
            .order_by(agent_events.c.seq)
        )
        if limit is not None:
            query = query.limit(limit)
        with self._store.transaction() as conn:
            _session_row(conn, session_id)
            rows = conn.execute(query).all()
        return tuple(_event(r) for r in rows)

    def verdicts(self, session_id: str) -> tuple[StoredVerdict, ...]:
        """Every stored verdict of the session, by turn, sentence and check name."""
        with self._store.transaction() as conn:
            _session_row(conn, session_id)
            rows = conn.execute(
                select(validation_audit)
                .where(validation_audit.c.session_id == session_id)
                .order_by(
                    validation_audit.c.turn,
                    validation_audit.c.sentence_index,
                    validation_audit.c.check,
                )
            ).all()
        return tuple(
            StoredVerdict(
                r.turn, r.sentence_index, r.check, bool(r.passed), r.sentence, r.reason, r.fix
            )
            for r in rows
        )

    def list(self, *, limit: int = 20, before: str | None = None) -> SessionPage:
        """Sessions newest first; ``before`` is the last id of the previous page."""
        if limit < 1:
            raise UsageError(f"limit must be at least 1, got {limit}")
        order = (agent_sessions.c.started_at.desc(), agent_sessions.c.id.desc())
        query = select(agent_sessions).order_by(*order).limit(limit + 1)
        with self._store.transaction() as conn:
            if before is not None:
                anchor = _session_row(conn, before)
                query = query.where(
                    tuple_(agent_sessions.c.started_at, agent_sessions.c.id)
                    < tuple_(anchor.started_at, anchor.id)
                )
            rows = conn.execute(query).all()
        page = tuple(_session(r) for r in rows[:limit])
        return SessionPage(page, page[-1].id if len(rows) > limit else None)

    def count(self, session_ids: Sequence[str] | None = None) -> LogCount:
        """Tally the log of ``session_ids`` (every session when None) in two queries."""
        sessions_q = select(func.count(), func.coalesce(func.sum(agent_sessions.c.events), 0))
        kinds_q = select(agent_events.c.kind, func.count()).group_by(agent_events.c.kind)
        if session_ids is not None:
            ids = list(session_ids)
            sessions_q = sessions_q.where(agent_sessions.c.id.in_(ids))
            kinds_q = kinds_q.where(agent_events.c.session_id.in_(ids))
        with self._store.transaction() as conn:
            found, numbered = conn.execute(sessions_q).one()
            kinds = conn.execute(kinds_q.order_by(agent_events.c.kind)).all()
        by_kind = tuple((str(kind), int(n)) for kind, n in kinds)
        return LogCount(int(found), int(numbered), sum(n for _, n in by_kind), by_kind)


def _append(
    conn: Connection, session_id: str, events: Sequence[NewEvent]
) -> tuple[StoredEvent, ...]:
    if not events:
        return ()
    top_turn = max(e.turn for e in events)
    last = conn.execute(
        update(agent_sessions)
        .where(agent_sessions.c.id == session_id, agent_sessions.c.status == ACTIVE)
        .values(
            events=agent_sessions.c.events + len(events),
            turns=case((agent_sessions.c.turns < top_turn, top_turn), else_=agent_sessions.c.turns),
        )
        .returning(agent_sessions.c.events)
    ).scalar_one_or_none()
    if last is None:
        _active_row(conn, session_id)
        raise AssertionError("an active session refused the update")
    first = int(last) - len(events) + 1
    now = datetime.now(UTC)
    stored = tuple(
        StoredEvent(session_id, first + i, e.turn, e.kind, e.payload, float(e.latency_ms), now)
        for i, e in enumerate(events)
    )
    conn.execute(
        insert(agent_events),
        [
            {
                "id": uuid7(),
                "session_id": e.session_id,
                "seq": e.seq,
                "turn": e.turn,
                "kind": e.kind,
                "payload": e.payload,
                "latency_ms": e.latency_ms,
                "created_at": e.created_at,
            }
            for e in stored
        ],
    )
    return stored


def _session_row(conn: Connection, session_id: str) -> Any:
    row = conn.execute(select(agent_sessions).where(agent_sessions.c.id == session_id)).first()
    if row is None:
        raise NotFoundError(
            f"agent session {session_id!r} does not exist",
            hint="list recent sessions with 'colloquy agent sessions'",
        )
    return row


def _active_row(conn: Connection, session_id: str) -> Any:
    row = _session_row(conn, session_id)
    if row.status != ACTIVE:
        raise ConflictError(
            f"agent session {session_id!r} has ended; its event log is closed",
            hint="start a new session to continue the conversation",
        )
    return row


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _session(row: Any) -> StoredSession:
    started = _utc(row.started_at)
    assert started is not None
    return StoredSession(
        id=row.id,
        channel=row.channel,
        customer_id=row.customer_id,
        journey=row.journey,
        journey_version=row.journey_version,
        status=row.status,
        turns=row.turns,
        events=row.events,
        started_at=started,
        ended_at=_utc(row.ended_at),
        metadata=dict(row.metadata),
    )


def _event(row: Any) -> StoredEvent:
    created = _utc(row.created_at)
    assert created is not None
    return StoredEvent(
        row.session_id, row.seq, row.turn, row.kind, row.payload, row.latency_ms, created
    )
