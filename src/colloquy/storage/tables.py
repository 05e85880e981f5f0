"""SQLAlchemy Core tables for datasets, conversations, turns and saved splits.

Stored analyses are declared in :mod:`colloquy.storage.analyses` on the same ``metadata``
and imported at the end of this module.

The Alembic migrations in ``storage/alembic/versions`` create exactly these tables; a test
compares the two so they cannot drift apart. Column lengths are the schema's limits, so a
record that validates always fits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from colloquy.schema.conversation import (
    MAX_CHANNEL_LENGTH,
    MAX_ID_LENGTH,
    MAX_NAME_LENGTH,
    MAX_SOURCE_LENGTH,
)

metadata = MetaData()


class JsonColumn(TypeDecorator[Any]):
    """JSON, stored as ``JSONB`` on PostgreSQL (what the migrations create there).

    Chosen per dialect when a statement is compiled, so SQLite stores never import the
    PostgreSQL dialect.
    """

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


datasets = Table(
    "datasets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(MAX_NAME_LENGTH), nullable=False, unique=True),
    Column("source", String(MAX_SOURCE_LENGTH), nullable=False),
    Column("description", Text, nullable=True),
    Column("params", JsonColumn(), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

conversations = Table(
    "conversations",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column(
        "dataset_id",
        Integer,
        ForeignKey("datasets.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("external_id", String(MAX_ID_LENGTH), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("source", String(MAX_SOURCE_LENGTH), nullable=False),
    Column("channel", String(MAX_CHANNEL_LENGTH), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("n_turns", Integer, nullable=False),
    Column("metadata", JsonColumn(), nullable=False),
    Column("labels", JsonColumn(), nullable=False),
    Column("outcome_converted", Boolean, nullable=True),
    Column("outcome_value", Float, nullable=True),
    Column("outcome_notes", Text, nullable=True),
    Column("has_outcome", Boolean, nullable=False),
    UniqueConstraint("dataset_id", "content_hash", name="uq_conversations_dataset_hash"),
    UniqueConstraint("dataset_id", "external_id", name="uq_conversations_dataset_external"),
)

turns = Table(
    "turns",
    metadata,
    Column(
        "conversation_pk",
        Integer,
        ForeignKey("conversations.pk", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("idx", Integer, primary_key=True),
    Column("speaker", String(20), nullable=False),
    Column("speaker_id", String(MAX_NAME_LENGTH), nullable=True),
    Column("text", Text, nullable=False),
    Column("timestamp", DateTime(timezone=True), nullable=True),
    Column("intent", String(MAX_NAME_LENGTH), nullable=True),
    Column("dialogue_acts", JsonColumn(), nullable=False),
    Column("extra", JsonColumn(), nullable=False),
)

splits = Table(
    "splits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(MAX_NAME_LENGTH), nullable=False),
    Column("ids_sha256", String(64), nullable=False),
    Column("document", JsonColumn(), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("dataset_id", "name", name="uq_splits_dataset_name"),
)

TURN_COLUMNS = (
    "conversation_pk",
    "idx",
    "speaker",
    "speaker_id",
    "text",
    "timestamp",
    "intent",
    "dialogue_acts",
    "extra",
)

# Tables declared beside their repositories join ``metadata`` when their module is
# imported; importing them here (after every name above exists, so the cycle resolves)
# keeps ``metadata`` complete for Alembic and the schema check wherever it is used.
import colloquy.storage.agent_sessions  # noqa: E402
import colloquy.storage.alerts  # noqa: E402
import colloquy.storage.analyses  # noqa: E402
import colloquy.storage.api_keys  # noqa: E402
import colloquy.storage.desk  # noqa: E402
import colloquy.storage.examples  # noqa: E402
import colloquy.storage.jobs  # noqa: E402
import colloquy.storage.journeys  # noqa: E402
import colloquy.storage.monitoring  # noqa: E402, F401
