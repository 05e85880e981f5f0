"""Datasets, conversations and turns.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("params", _json, nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
    )
    op.create_table(
        "conversations",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "dataset_id",
            sa.Integer,
            sa.ForeignKey("datasets.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("external_id", sa.String(300), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("n_turns", sa.Integer, nullable=False),
        sa.Column("metadata", _json, nullable=False),
        sa.Column("labels", _json, nullable=False),
        sa.Column("outcome_converted", sa.Boolean, nullable=True),
        sa.Column("outcome_value", sa.Float, nullable=True),
        sa.Column("outcome_notes", sa.Text, nullable=True),
        sa.Column("has_outcome", sa.Boolean, nullable=False),
        sa.UniqueConstraint("dataset_id", "content_hash", name="uq_conversations_dataset_hash"),
        sa.UniqueConstraint("dataset_id", "external_id", name="uq_conversations_dataset_external"),
    )
    op.create_table(
        "turns",
        sa.Column(
            "conversation_pk",
            sa.Integer,
            sa.ForeignKey("conversations.pk", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("speaker", sa.String(20), nullable=False),
        sa.Column("speaker_id", sa.String(200), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=True),
        sa.Column("intent", sa.String(200), nullable=True),
        sa.Column("dialogue_acts", _json, nullable=False),
        sa.Column("extra", _json, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("turns")
    op.drop_table("conversations")
    op.drop_table("datasets")
