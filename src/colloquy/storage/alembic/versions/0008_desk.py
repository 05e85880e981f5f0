"""Claims desk: customers, claims, knowledge-base articles with native full-text search.

PostgreSQL gets ``pg_trgm`` with GIN trigram indexes (fuzzy name and title look-ups), a GIN
index on the weighted ``tsvector`` the search ranks, and a trigger keeping ``updated_at``
current. SQLite gets an FTS5 table kept in step with ``kb_articles`` by triggers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TABLES = ("customers", "claims", "kb_articles")
_FTS = "desk_native_kb_fts"
_DOCUMENT = (
    "(setweight(to_tsvector('english', title), 'A') || "
    "setweight(to_tsvector('english', tags), 'B') || "
    "setweight(to_tsvector('english', body), 'C'))"
)


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False, unique=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("date_of_birth", sa.Date, nullable=False),
        sa.Column("postcode", sa.String(16), nullable=False),
        sa.Column("policy_number", sa.String(32), nullable=False, unique=True),
        sa.Column("policy_type", sa.String(32), nullable=False),
        *_stamps(),
    )
    op.create_table(
        "claims",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("claim_number", sa.String(32), nullable=False, unique=True),
        sa.Column(
            "customer_id",
            sa.String(36),
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("claim_type", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("incident_date", sa.Date, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("amount_claimed_cents", sa.Integer, nullable=False),
        sa.Column("amount_approved_cents", sa.Integer, nullable=True),
        *_stamps(),
    )
    op.create_index("ix_claims_customer", "claims", ["customer_id"])
    op.create_table(
        "kb_articles",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("slug", sa.String(120), nullable=False, unique=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("tags", sa.String(500), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        *_stamps(),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgres_upgrade()
    else:
        _sqlite_upgrade()


def _postgres_upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE INDEX desk_native_kb_title_trgm ON kb_articles USING gin (title gin_trgm_ops)"
    )
    op.execute(
        "CREATE INDEX desk_native_customer_name_trgm ON customers "
        "USING gin (full_name gin_trgm_ops)"
    )
    op.execute(f"CREATE INDEX desk_native_kb_document ON kb_articles USING gin ({_DOCUMENT})")
    op.execute(
        "CREATE OR REPLACE FUNCTION desk_native_touch() RETURNS trigger AS $$ "
        "BEGIN NEW.updated_at = clock_timestamp(); RETURN NEW; END; "
        "$$ LANGUAGE plpgsql"
    )
    for table in _TABLES:
        op.execute(
            f"CREATE TRIGGER desk_native_{table}_touch BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION desk_native_touch()"
        )


def _sqlite_upgrade() -> None:
    op.execute(
        f"CREATE VIRTUAL TABLE {_FTS} USING fts5("
        "article_id UNINDEXED, title, tags, body, tokenize = 'porter unicode61')"
    )
    op.execute(
        f"CREATE TRIGGER desk_native_kb_insert AFTER INSERT ON kb_articles BEGIN "
        f"INSERT INTO {_FTS} (article_id, title, tags, body) "
        "VALUES (new.id, new.title, new.tags, new.body); END"
    )
    op.execute(
        f"CREATE TRIGGER desk_native_kb_update AFTER UPDATE ON kb_articles BEGIN "
        f"DELETE FROM {_FTS} WHERE article_id = old.id; "
        f"INSERT INTO {_FTS} (article_id, title, tags, body) "
        "VALUES (new.id, new.title, new.tags, new.body); END"
    )
    op.execute(
        f"CREATE TRIGGER desk_native_kb_delete AFTER DELETE ON kb_articles BEGIN "
        f"DELETE FROM {_FTS} WHERE article_id = old.id; END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS desk_native_{table}_touch ON {table}")
        op.execute("DROP FUNCTION IF EXISTS desk_native_touch()")
    else:
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS desk_native_kb_{name}")
        op.execute(f"DROP TABLE IF EXISTS {_FTS}")
    op.drop_table("kb_articles")
    op.drop_index("ix_claims_customer", table_name="claims")
    op.drop_table("claims")
    op.drop_table("customers")
