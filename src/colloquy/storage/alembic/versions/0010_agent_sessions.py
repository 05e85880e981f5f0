"""Agent sessions, their ordered event log (audit) and the validator's verdicts.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_json = sa.JSON().with_variant(JSONB(), "postgresql")
_SESSION_ID = 64


def _created() -> sa.Column[object]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def _session_fk() -> sa.Column[object]:
    return sa.Column(
        "session_id",
        sa.String(_SESSION_ID),
        sa.ForeignKey("agent_sessions.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "agent_sessions",
        sa.Column("id", sa.String(_SESSION_ID), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=True),
        sa.Column("journey", sa.String(64), nullable=True),
        sa.Column("journey_version", sa.Integer, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("turns", sa.Integer, nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("metadata", _json, nullable=False),
        _created(),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_index("ix_agent_sessions_started", "agent_sessions", ["started_at", "id"])
    op.create_table(
        "agent_events",
        sa.Column("id", sa.String(36), primary_key=True),
        _session_fk(),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("turn", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        _created(),
        sa.UniqueConstraint("session_id", "seq", name="uq_agent_events_session_seq"),
    )
    op.create_table(
        "validation_audit",
        sa.Column("id", sa.String(36), primary_key=True),
        _session_fk(),
        sa.Column("turn", sa.Integer, nullable=False),
        sa.Column("sentence_index", sa.Integer, nullable=False),
        sa.Column("check", sa.String(32), nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("sentence", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("fix", sa.Text, nullable=False),
        _created(),
    )
    op.create_index("ix_validation_audit_session_turn", "validation_audit", ["session_id", "turn"])
    if op.get_bind().dialect.name == "postgresql":
        # updated_at follows every UPDATE on PostgreSQL, whatever client wrote the row.
        op.execute(
            "CREATE OR REPLACE FUNCTION colloquy_agent_sessions_touch() RETURNS trigger AS $$ "
            "BEGIN NEW.updated_at = now(); RETURN NEW; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER agent_sessions_touch BEFORE UPDATE ON agent_sessions "
            "FOR EACH ROW EXECUTE FUNCTION colloquy_agent_sessions_touch()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS agent_sessions_touch ON agent_sessions")
        op.execute("DROP FUNCTION IF EXISTS colloquy_agent_sessions_touch()")
    op.drop_index("ix_validation_audit_session_turn", table_name="validation_audit")
    op.drop_table("validation_audit")
    op.drop_table("agent_events")
    op.drop_index("ix_agent_sessions_started", table_name="agent_sessions")
    op.drop_table("agent_sessions")
