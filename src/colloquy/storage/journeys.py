"""Journey definitions, their states and transitions, conversation contexts and guidelines.

Storage knows no agent types (it sits below ``agent``), so it keeps plain frozen records:
a journey version's canonical definition (JSON text the agent re-parses) plus its states
and transitions as rows a dashboard or SQL user can query. A ``journey_contexts`` row pins
the exact journey row a conversation started on, so deploying version 2 never changes a
conversation already running on version 1. ``journey_activations`` is the activation
cache's third level (L3): message fingerprint → chosen journey, shared by every process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
    update,
)

from colloquy.errors import ConflictError, NotFoundError
from colloquy.storage.ids import uuid7
from colloquy.storage.tables import JsonColumn, metadata

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from colloquy.storage.store import Store


def _stamp(name: str) -> Column[datetime]:
    return Column(name, DateTime(timezone=True), server_default=func.now(), nullable=False)


journeys = Table(
    "journeys",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("title", String(200), nullable=False),
    Column("definition", Text, nullable=False),
    _stamp("created_at"),
    _stamp("updated_at"),
    UniqueConstraint("name", "version", name="uq_journeys_name_version"),
)

journey_states = Table(
    "journey_states",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("journey_id", String(36), ForeignKey("journeys.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", String(64), nullable=False),
    Column("instruction", Text, nullable=False),
    Column("required_slots", JsonColumn, nullable=False),
    Column("tool", String(64), nullable=True),
    Column("final", Boolean, nullable=False),
    _stamp("created_at"),
    _stamp("updated_at"),
    UniqueConstraint("journey_id", "name", name="uq_journey_states_journey_name"),
)

transitions = Table(
    "transitions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column(
        "state_id", String(36), ForeignKey("journey_states.id", ondelete="CASCADE"), nullable=False
    ),
    Column("position", Integer, nullable=False),
    Column("target", String(64), nullable=False),
    Column("condition", String(200), nullable=False),
    _stamp("created_at"),
    _stamp("updated_at"),
)

journey_contexts = Table(
    "journey_contexts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("session_id", String(64), nullable=False, unique=True),
    Column("journey_id", String(36), ForeignKey("journeys.id"), nullable=False),
    Column("state", String(64), nullable=False),
    Column("slots", JsonColumn, nullable=False),
    _stamp("created_at"),
    _stamp("updated_at"),
)

guidelines = Table(
    "guidelines",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("scope", String(16), nullable=False),
    Column("journey", String(64), nullable=True),
    Column("state", String(64), nullable=True),
    Column("priority", Integer, nullable=False),
    Column("condition", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("keywords", JsonColumn, nullable=False),
    Column("source", String(500), nullable=False),
    _stamp("created_at"),
    _stamp("updated_at"),
    UniqueConstraint("name", "content_hash", name="uq_guidelines_name_hash"),
)

journey_activations = Table(
    "journey_activations",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("payload", Text, nullable=False),
    _stamp("created_at"),
)


@dataclass(frozen=True, slots=True)
class StoredState:
    name: str
    instruction: str
    required_slots: tuple[str, ...]
    tool: str | None
    final: bool
    transitions: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class StoredJourney:
    """One journey version: ``definition`` is the canonical JSON the agent re-parses."""

    name: str
    version: int
    content_hash: str
    title: str
    definition: str
    states: tuple[StoredState, ...] = ()
    id: str = ""


@dataclass(frozen=True, slots=True)
class StoredContext:
    """Where one conversation stands: the pinned journey version, its state and slots."""

    session_id: str
    journey: StoredJourney
    state: str
    slots: dict[str, str]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class StoredGuideline:
    name: str
    content_hash: str
    scope: str
    journey: str | None
    state: str | None
    priority: int
    condition: str
    action: str
    keywords: tuple[str, ...]
    source: str


class JourneyRepository:
    """Journey versions, conversation contexts, guidelines and the L3 activation cache."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def save(self, journey: StoredJourney) -> StoredJourney:
        """Store a version once; the same name and version with other content is refused."""
        with self._store.transaction() as conn:
            row = conn.execute(
                select(journeys).where(
                    journeys.c.name == journey.name, journeys.c.version == journey.version
                )
            ).first()
            if row is not None:
                if row.content_hash != journey.content_hash:
                    raise ConflictError(
                        f"journey {journey.name!r} version {journey.version} is already stored "
                        f"with hash {row.content_hash}, this file has {journey.content_hash}",
                        hint="raise 'version' in the YAML file when you change a journey",
                    )
                return self._journey(conn, row)
            journey_id = uuid7()
            conn.execute(
                insert(journeys).values(
                    id=journey_id,
                    name=journey.name,
                    version=journey.version,
                    content_hash=journey.content_hash,
                    title=journey.title,
                    definition=journey.definition,
                )
            )
            for position, state in enumerate(journey.states):
                state_id = uuid7()
                conn.execute(
                    insert(journey_states).values(
                        id=state_id,
                        journey_id=journey_id,
                        position=position,
                        name=state.name,
                        instruction=state.instruction,
                        required_slots=list(state.required_slots),
                        tool=state.tool,
                        final=state.final,
                    )
                )
                for index, (target, condition) in enumerate(state.transitions):
                    conn.execute(
                        insert(transitions).values(
                            id=uuid7(),
                            state_id=state_id,
                            position=index,
                            target=target,
                            condition=condition,
                        )
                    )
            return StoredJourney(
                journey.name,
                journey.version,
                journey.content_hash,
                journey.title,
                journey.definition,
                journey.states,
                journey_id,
            )

    def get(self, name: str, version: int | None = None) -> StoredJourney:
        """A stored version, or the newest one when ``version`` is None."""
        query = select(journeys).where(journeys.c.name == name)
        if version is not None:
            query = query.where(journeys.c.version == version)
        query = query.order_by(journeys.c.version.desc()).limit(1)
        with self._store.transaction() as conn:
            row = conn.execute(query).first()
            if row is None:
                which = f"version {version}" if version is not None else "any version"
                raise NotFoundError(
                    f"journey {name!r} ({which}) is not in the store",
                    hint="load it first (JourneyRepository.save or 'colloquy agent journeys')",
                )
            return self._journey(conn, row)

    def list(self) -> tuple[StoredJourney, ...]:
        with self._store.transaction() as conn:
            rows = conn.execute(
                select(journeys).order_by(journeys.c.name, journeys.c.version)
            ).all()
            return tuple(self._journey(conn, row) for row in rows)

    def start_context(
        self, session_id: str, journey: StoredJourney, state: str, slots: dict[str, str]
    ) -> StoredContext:
        """Pin ``journey`` (one exact version) to a session, replacing an earlier context."""
        stored = journey if journey.id else self.get(journey.name, journey.version)
        with self._store.transaction() as conn:
            conn.execute(
                delete(journey_contexts).where(journey_contexts.c.session_id == session_id)
            )
            conn.execute(
                insert(journey_contexts).values(
                    id=uuid7(),
                    session_id=session_id,
                    journey_id=stored.id,
                    state=state,
                    slots=dict(slots),
                )
            )
        return self.context(session_id)

    def update_context(self, session_id: str, state: str, slots: dict[str, str]) -> StoredContext:
        with self._store.transaction() as conn:
            done = conn.execute(
                update(journey_contexts)
                .where(journey_contexts.c.session_id == session_id)
                .values(state=state, slots=dict(slots), updated_at=datetime.now(UTC))
            )
            if done.rowcount == 0:
                raise _no_context(session_id)
        return self.context(session_id)

    def context(self, session_id: str) -> StoredContext:
        with self._store.transaction() as conn:
            row = conn.execute(
                select(journey_contexts).where(journey_contexts.c.session_id == session_id)
            ).first()
            if row is None:
                raise _no_context(session_id)
            jrow = conn.execute(select(journeys).where(journeys.c.id == row.journey_id)).one()
            return StoredContext(
                session_id, self._journey(conn, jrow), row.state, dict(row.slots), row.updated_at
            )

    def save_guidelines(self, items: tuple[StoredGuideline, ...]) -> int:
        """Store guideline versions not yet stored (by name and hash); returns how many."""
        added = 0
        with self._store.transaction() as conn:
            existing = {(r.name, r.content_hash) for r in conn.execute(select(guidelines)).all()}
            for g in items:
                if (g.name, g.content_hash) in existing:
                    continue
                conn.execute(
                    insert(guidelines).values(
                        id=uuid7(),
                        name=g.name,
                        content_hash=g.content_hash,
                        scope=g.scope,
                        journey=g.journey,
                        state=g.state,
                        priority=g.priority,
                        condition=g.condition,
                        action=g.action,
                        keywords=list(g.keywords),
                        source=g.source,
                    )
                )
                existing.add((g.name, g.content_hash))
                added += 1
        return added

    def guidelines(self) -> tuple[StoredGuideline, ...]:
        with self._store.transaction() as conn:
            rows = conn.execute(select(guidelines).order_by(guidelines.c.name)).all()
        return tuple(
            StoredGuideline(
                r.name,
                r.content_hash,
                r.scope,
                r.journey,
                r.state,
                r.priority,
                r.condition,
                r.action,
                tuple(r.keywords),
                r.source,
            )
            for r in rows
        )

    def cached_activation(self, key: str) -> str | None:
        with self._store.transaction() as conn:
            value = conn.execute(
                select(journey_activations.c.payload).where(journey_activations.c.key == key)
            ).scalar_one_or_none()
        return None if value is None else str(value)

    def cache_activation(self, key: str, payload: str) -> None:
        with self._store.transaction() as conn:
            conn.execute(delete(journey_activations).where(journey_activations.c.key == key))
            conn.execute(insert(journey_activations).values(key=key, payload=payload))

    def _journey(self, conn: Connection, row: Any) -> StoredJourney:
        state_rows = conn.execute(
            select(journey_states)
            .where(journey_states.c.journey_id == row.id)
            .order_by(journey_states.c.position)
        ).all()
        states: list[StoredState] = []
        for s in state_rows:
            moves = conn.execute(
                select(transitions.c.target, transitions.c.condition)
                .where(transitions.c.state_id == s.id)
                .order_by(transitions.c.position)
            ).all()
            states.append(
                StoredState(
                    s.name,
                    s.instruction,
                    tuple(s.required_slots),
                    s.tool,
                    bool(s.final),
                    tuple((m.target, m.condition) for m in moves),
                )
            )
        return StoredJourney(
            row.name,
            row.version,
            row.content_hash,
            row.title,
            row.definition,
            tuple(states),
            row.id,
        )


def _no_context(session_id: str) -> NotFoundError:
    return NotFoundError(
        f"session {session_id!r} has no journey context",
        hint="start one with JourneyRepository.start_context",
    )
