"""Agent journeys (versions, states, transitions), conversation contexts, guidelines, L3 cache.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_json = sa.JSON().with_variant(JSONB(), "postgresql")
_TIMESTAMPED = ("journeys", "journey_states", "transitions", "journey_contexts", "guidelines")


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "journeys",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("definition", sa.Text, nullable=False),
        *_stamps(),
        sa.UniqueConstraint("name", "version", name="uq_journeys_name_version"),
    )
    op.create_table(
        "journey_states",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "journey_id",
            sa.String(36),
            sa.ForeignKey("journeys.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("instruction", sa.Text, nullable=False),
        sa.Column("required_slots", _json, nullable=False),
        sa.Column("tool", sa.String(64), nullable=True),
        sa.Column("final", sa.Boolean, nullable=False),
        *_stamps(),
        sa.UniqueConstraint("journey_id", "name", name="uq_journey_states_journey_name"),
    )
    op.create_table(
        "transitions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "state_id",
            sa.String(36),
            sa.ForeignKey("journey_states.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("condition", sa.String(200), nullable=False),
        *_stamps(),
    )
    op.create_table(
        "journey_contexts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("session_id", sa.String(64), nullable=False, unique=True),
        sa.Column("journey_id", sa.String(36), sa.ForeignKey("journeys.id"), nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("slots", _json, nullable=False),
        *_stamps(),
    )
    op.create_table(
        "guidelines",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("journey", sa.String(64), nullable=True),
        sa.Column("state", sa.String(64), nullable=True),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("condition", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("keywords", _json, nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("name", "content_hash", name="uq_guidelines_name_hash"),
    )
    op.create_table(
        "journey_activations",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        # updated_at follows every UPDATE on PostgreSQL, whatever client wrote the row.
        op.execute(
            "CREATE OR REPLACE FUNCTION colloquy_journeys_touch() RETURNS trigger AS $$ "
            "BEGIN NEW.updated_at = now(); RETURN NEW; END; $$ LANGUAGE plpgsql"
        )
        for table in _TIMESTAMPED:
            op.execute(
                f"CREATE TRIGGER {table}_touch BEFORE UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION colloquy_journeys_touch()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TIMESTAMPED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_touch ON {table}")
        op.execute("DROP FUNCTION IF EXISTS colloquy_journeys_touch()")
    for table in (
        "journey_activations",
        "guidelines",
        "journey_contexts",
        "transitions",
        "journey_states",
        "journeys",
    ):
        op.drop_table(table)
