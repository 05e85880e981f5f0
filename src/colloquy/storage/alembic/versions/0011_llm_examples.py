"""LLM example sets: labelled examples with their embeddings, versioned.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _created() -> sa.Column[object]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "llm_example_sets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("embedder", sa.String(200), nullable=False),
        sa.Column("dimension", sa.Integer, nullable=False),
        sa.Column("dedupe_threshold", sa.Float, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        _created(),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_table(
        "llm_examples",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "set_name",
            sa.String(64),
            sa.ForeignKey("llm_example_sets.name", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("text_key", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.Column("added_in", sa.Integer, nullable=False),
        _created(),
        sa.UniqueConstraint("set_name", "text_key", name="uq_llm_examples_set_key"),
    )
    op.create_table(
        "llm_example_versions",
        sa.Column(
            "set_name",
            sa.String(64),
            sa.ForeignKey("llm_example_sets.name", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("examples", sa.Integer, nullable=False),
        sa.Column("added", sa.Integer, nullable=False),
        sa.Column("removed", sa.Integer, nullable=False),
        sa.Column("change", sa.String(200), nullable=False),
        _created(),
    )


def downgrade() -> None:
    op.drop_table("llm_example_versions")
    op.drop_table("llm_examples")
    op.drop_table("llm_example_sets")
