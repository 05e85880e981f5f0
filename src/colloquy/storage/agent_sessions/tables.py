"""The agent's audit tables: sessions, their event log and the validator's verdicts.

Declared here beside :mod:`.repository`, which is the only code that writes them;
migration 0010 creates them (with an ``updated_at`` trigger on ``agent_sessions`` on
PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

from colloquy.storage.tables import JsonColumn, metadata

SESSION_ID_LENGTH = 64
CHANNELS = ("text", "voice", "api")
ACTIVE = "active"
ENDED = "ended"


def _stamp(name: str) -> Column[datetime]:
    return Column(name, DateTime(timezone=True), server_default=func.now(), nullable=False)


agent_sessions = Table(
    "agent_sessions",
    metadata,
    Column("id", String(SESSION_ID_LENGTH), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("customer_id", String(36), nullable=True),
    Column("journey", String(64), nullable=True),
    Column("journey_version", Integer, nullable=True),
    Column("status", String(16), nullable=False),
    Column("turns", Integer, nullable=False),
    Column("events", Integer, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("metadata", JsonColumn(), nullable=False),
    _stamp("created_at"),
    _stamp("updated_at"),
    Index("ix_agent_sessions_started", "started_at", "id"),
)

agent_events = Table(
    "agent_events",
    metadata,
    Column("id", String(36), primary_key=True),
    Column(
        "session_id",
        String(SESSION_ID_LENGTH),
        ForeignKey("agent_sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("seq", Integer, nullable=False),
    Column("turn", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("payload", Text, nullable=False),
    Column("latency_ms", Float, nullable=False),
    _stamp("created_at"),
    UniqueConstraint("session_id", "seq", name="uq_agent_events_session_seq"),
)

validation_audit = Table(
    "validation_audit",
    metadata,
    Column("id", String(36), primary_key=True),
    Column(
        "session_id",
        String(SESSION_ID_LENGTH),
        ForeignKey("agent_sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("turn", Integer, nullable=False),
    Column("sentence_index", Integer, nullable=False),
    Column("check", String(32), nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("sentence", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("fix", Text, nullable=False),
    _stamp("created_at"),
    Index("ix_validation_audit_session_turn", "session_id", "turn"),
)
