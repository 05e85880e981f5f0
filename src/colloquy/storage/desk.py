"""Tables of the claims desk (customers, claims, knowledge-base articles) and their queries.

Primary keys are UUIDv7 strings (36 characters) so SQLite and PostgreSQL stores hold the
same ids. Full-text search runs natively on each dialect: PostgreSQL ranks
``to_tsvector`` against ``plainto_tsquery`` with ``ts_rank``; SQLite keeps an FTS5 table
in step with ``kb_articles`` through triggers and ranks with ``bm25``. Objects that exist
on one dialect only are named with :data:`NATIVE_PREFIX`, so the schema check can leave
them out. The rows here are plain storage records; ``colloquy.desk`` gives them meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    text,
    update,
)

from colloquy.errors import NotFoundError
from colloquy.storage.tables import metadata

if TYPE_CHECKING:
    from colloquy.storage.store import Store

NATIVE_PREFIX = "desk_native_"
"""Names of dialect-only objects (FTS5 tables, GIN indexes) that metadata does not declare."""

FTS_TABLE = f"{NATIVE_PREFIX}kb_fts"
ID_LENGTH = 36

customers = Table(
    "customers",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("full_name", String(200), nullable=False),
    Column("phone", String(32), nullable=False, unique=True),
    Column("email", String(254), nullable=False),
    Column("date_of_birth", Date, nullable=False),
    Column("postcode", String(16), nullable=False),
    Column("policy_number", String(32), nullable=False, unique=True),
    Column("policy_type", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

claims = Table(
    "claims",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("claim_number", String(32), nullable=False, unique=True),
    Column(
        "customer_id",
        String(ID_LENGTH),
        ForeignKey("customers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("claim_type", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("incident_date", Date, nullable=False),
    Column("description", Text, nullable=False),
    Column("amount_claimed_cents", Integer, nullable=False),
    Column("amount_approved_cents", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_claims_customer", "customer_id"),
)

kb_articles = Table(
    "kb_articles",
    metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("slug", String(120), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("category", String(32), nullable=False),
    Column("tags", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


@dataclass(frozen=True, slots=True)
class CustomerRow:
    id: str
    full_name: str
    phone: str
    email: str
    date_of_birth: date
    postcode: str
    policy_number: str
    policy_type: str


@dataclass(frozen=True, slots=True)
class ClaimRow:
    id: str
    claim_number: str
    customer_id: str
    claim_type: str
    status: str
    incident_date: date
    description: str
    amount_claimed_cents: int
    amount_approved_cents: int | None


@dataclass(frozen=True, slots=True)
class ArticleRow:
    id: str
    slug: str
    title: str
    category: str
    tags: str
    body: str


@dataclass(frozen=True, slots=True)
class ArticleHit:
    """An article and its relevance; higher is better on both dialects."""

    article: ArticleRow
    score: float


@dataclass(frozen=True, slots=True)
class Stamps:
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    inserted: int
    updated: int
    unchanged: int


_ROW_TYPES: dict[str, type[Any]] = {
    "customers": CustomerRow,
    "claims": ClaimRow,
    "kb_articles": ArticleRow,
}
_WORD = re.compile(r"\w+", re.UNICODE)
# Words too common to rank by; PostgreSQL's 'english' configuration drops the same kind.
_STOPWORDS = frozenset(
    _WORD.findall(
        "a an and are as at be but by can do does for from has have how i if in is it its "
        "me my no nor not of on or our so that the their there this to was we what when where "
        "which who why will with you your"
    )
)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _row(kind: type[Any], row: Row[Any]) -> Any:
    return kind(**{f.name: getattr(row, f.name) for f in fields(kind)})


def _upsert(conn: Connection, table: Table, records: Iterable[Any]) -> UpsertCounts:
    """Insert new ids, rewrite changed ones, leave equal ones alone (seeding twice is a no-op)."""
    kind = _ROW_TYPES[table.name]
    inserted = updated = unchanged = 0
    for record in records:
        current = conn.execute(select(table).where(table.c.id == record.id)).first()
        values = _values(record)
        if current is None:
            conn.execute(insert(table).values(**values))
            inserted += 1
        elif _row(kind, current) != record:
            conn.execute(
                update(table)
                .where(table.c.id == record.id)
                .values(**values, updated_at=datetime.now(UTC))
            )
            updated += 1
        else:
            unchanged += 1
    return UpsertCounts(inserted, updated, unchanged)


def _fts_query(query: str) -> str | None:
    """An FTS5 OR-query of the words in ``query``, each quoted so nothing is an operator."""
    words = [w for w in _WORD.findall(query.lower()) if w not in _STOPWORDS]
    if not words:
        return None
    return " OR ".join(f'"{word}"' for word in words)


class DeskRepository:
    """Reads and writes the desk's tables in one store, one transaction per call."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def upsert_customers(self, records: Sequence[CustomerRow]) -> UpsertCounts:
        with self.store.transaction() as conn:
            return _upsert(conn, customers, records)

    def upsert_claims(self, records: Sequence[ClaimRow]) -> UpsertCounts:
        with self.store.transaction() as conn:
            return _upsert(conn, claims, records)

    def upsert_articles(self, records: Sequence[ArticleRow]) -> UpsertCounts:
        with self.store.transaction() as conn:
            return _upsert(conn, kb_articles, records)

    def customer(self, customer_id: str) -> CustomerRow | None:
        with self.store.transaction() as conn:
            row = conn.execute(select(customers).where(customers.c.id == customer_id)).first()
        return None if row is None else _row(CustomerRow, row)

    def customer_by_phone(self, phone: str) -> CustomerRow | None:
        with self.store.transaction() as conn:
            row = conn.execute(select(customers).where(customers.c.phone == phone)).first()
        return None if row is None else _row(CustomerRow, row)

    def claim_by_number(self, claim_number: str) -> ClaimRow | None:
        query = select(claims).where(claims.c.claim_number == claim_number)
        with self.store.transaction() as conn:
            row = conn.execute(query).first()
        return None if row is None else _row(ClaimRow, row)

    def claims_of(self, customer_id: str) -> list[ClaimRow]:
        """A customer's claims, newest incident first."""
        query = (
            select(claims)
            .where(claims.c.customer_id == customer_id)
            .order_by(claims.c.incident_date.desc(), claims.c.claim_number.desc())
        )
        with self.store.transaction() as conn:
            return [_row(ClaimRow, row) for row in conn.execute(query)]

    def add_claim(self, record: ClaimRow) -> ClaimRow:
        with self.store.transaction() as conn:
            found = conn.execute(select(customers.c.id).where(customers.c.id == record.customer_id))
            if found.first() is None:
                raise NotFoundError(f"no customer with id {record.customer_id}")
            conn.execute(insert(claims).values(**_values(record)))
        return record

    def claim_numbers_with_prefix(self, prefix: str) -> list[str]:
        query = select(claims.c.claim_number).where(claims.c.claim_number.startswith(prefix))
        with self.store.transaction() as conn:
            return list(conn.execute(query).scalars())

    def set_claim_status(self, claim_number: str, status: str) -> None:
        """Move a claim on; ``updated_at`` follows (set here to the microsecond, since
        SQLite's ``CURRENT_TIMESTAMP`` has whole seconds; PostgreSQL's trigger sets it too)."""
        with self.store.transaction() as conn:
            changed = conn.execute(
                update(claims)
                .where(claims.c.claim_number == claim_number)
                .values(status=status, updated_at=datetime.now(UTC))
            ).rowcount
        if not changed:
            raise NotFoundError(f"no claim numbered {claim_number}")

    def stamps(self, table: str, row_id: str) -> Stamps:
        chosen = {"customers": customers, "claims": claims, "kb_articles": kb_articles}[table]
        query = select(chosen.c.created_at, chosen.c.updated_at).where(chosen.c.id == row_id)
        with self.store.transaction() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFoundError(f"no row {row_id} in {table}")
        return Stamps(_utc(row.created_at), _utc(row.updated_at))

    def article(self, slug: str) -> ArticleRow | None:
        with self.store.transaction() as conn:
            row = conn.execute(select(kb_articles).where(kb_articles.c.slug == slug)).first()
        return None if row is None else _row(ArticleRow, row)

    def articles(self) -> list[ArticleRow]:
        with self.store.transaction() as conn:
            rows = conn.execute(select(kb_articles).order_by(kb_articles.c.slug))
            return [_row(ArticleRow, row) for row in rows]

    def count(self, table: str) -> int:
        chosen = {"customers": customers, "claims": claims, "kb_articles": kb_articles}[table]
        with self.store.transaction() as conn:
            return int(conn.execute(select(func.count()).select_from(chosen)).scalar_one())

    def search_articles(self, query: str, *, limit: int = 5) -> list[ArticleHit]:
        """Articles matching ``query`` by the dialect's full-text ranking, best first."""
        if self.store.engine.dialect.name == "postgresql":
            statement, params = _postgres_search(query, limit)
        else:
            match = _fts_query(query)
            if match is None:
                return []
            statement, params = _sqlite_search(match, limit)
        with self.store.transaction() as conn:
            rows = conn.execute(statement, params).all()
        return [
            ArticleHit(
                ArticleRow(r.id, r.slug, r.title, r.category, r.tags, r.body), float(r.score)
            )
            for r in rows
        ]


def _values(record: Any) -> dict[str, object]:
    return {f.name: getattr(record, f.name) for f in fields(record)}


_COLUMNS = "a.id, a.slug, a.title, a.category, a.tags, a.body"


def _postgres_search(query: str, limit: int) -> tuple[Any, dict[str, object]]:
    # plainto_tsquery ANDs every word, so a spoken question ("what is covered if my car is
    # stolen") would match nothing; its stemmed lexemes are OR-ed instead, as on SQLite,
    # and ts_rank puts the articles matching more of them first.
    statement = text(
        f"SELECT {_COLUMNS}, ts_rank({PG_DOCUMENT}, q) AS score "
        "FROM kb_articles a, "
        "CAST(replace(CAST(plainto_tsquery('english', :query) AS text), '&', '|') AS tsquery) q "
        f"WHERE {PG_DOCUMENT} @@ q ORDER BY score DESC, a.slug LIMIT :limit"
    )
    return statement, {"query": query, "limit": limit}


def _sqlite_search(match: str, limit: int) -> tuple[Any, dict[str, object]]:
    # bm25 is lower-is-better; negated so that higher is better on both dialects. Title
    # words weigh four times body words, tags twice.
    statement = text(
        f"SELECT {_COLUMNS}, -bm25({FTS_TABLE}, 0.0, 4.0, 2.0, 1.0) AS score "
        f"FROM {FTS_TABLE} JOIN kb_articles a ON a.id = {FTS_TABLE}.article_id "
        f"WHERE {FTS_TABLE} MATCH :match ORDER BY score DESC, a.slug LIMIT :limit"
    )
    return statement, {"match": match, "limit": limit}


PG_DOCUMENT = (
    "(setweight(to_tsvector('english', a.title), 'A') || "
    "setweight(to_tsvector('english', a.tags), 'B') || "
    "setweight(to_tsvector('english', a.body), 'C'))"
)
"""The weighted document PostgreSQL searches; the migration indexes exactly this expression."""
