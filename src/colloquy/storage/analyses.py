"""Stored analyses: one JSON payload per conversation and per dataset aggregate.

Storage knows nothing of the analytics records: a payload is opaque JSON text written by
the analytics layer's codec. What storage does know is *what a payload was computed
from*, so staleness is decided here with a few indexed queries and no turn is read:

- a conversation's analysis is keyed by (dataset, options fingerprint, conversation id)
  and carries the conversation's ``content_hash`` at the time; it is current while the
  dataset still holds that id with that hash;
- a dataset aggregate is keyed by (dataset, options fingerprint, filter key) and carries
  the :class:`Coverage` of the dataset it was built from (how many conversations, and a
  hash of every id with its content hash); any conversation added, removed or changed
  changes the coverage, so the aggregate is stale.

Payloads are kept as text rather than JSONB: the bytes read back are the bytes written
(exact round trip, NUL escapes included, which PostgreSQL's JSONB refuses), and nothing
queries inside them. Both tables reference ``datasets`` with ``ON DELETE CASCADE``, so a
deleted dataset takes its analyses with it on either backend.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    exists,
    func,
    select,
)
from sqlalchemy.sql.dml import Insert

from colloquy.errors import UsageError
from colloquy.schema.conversation import MAX_ID_LENGTH

# A module import, not a name: tables.py imports this module at its end, and datasets.py
# may be the one still loading then.
from colloquy.storage import datasets as dataset_rows
from colloquy.storage.engine import translate_errors
from colloquy.storage.tables import conversations, metadata

KEY_LENGTH = 64
"""Longest options fingerprint or filter key (a SHA-256 hex digest fits exactly)."""

conversation_analyses = Table(
    "conversation_analyses",
    metadata,
    Column(
        "dataset_id",
        Integer,
        ForeignKey("datasets.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("options_fingerprint", String(KEY_LENGTH), primary_key=True),
    Column("conversation_id", String(MAX_ID_LENGTH), primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

dataset_analyses = Table(
    "dataset_analyses",
    metadata,
    Column(
        "dataset_id",
        Integer,
        ForeignKey("datasets.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("options_fingerprint", String(KEY_LENGTH), primary_key=True),
    Column("filter_key", String(KEY_LENGTH), primary_key=True),
    Column("conversations", Integer, nullable=False),
    Column("coverage_hash", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


@dataclass(frozen=True, slots=True)
class StoredAnalysis:
    """One conversation's analysis payload and the content hash it was computed from."""

    conversation_id: str
    content_hash: str
    payload: str


@dataclass(frozen=True, slots=True)
class Coverage:
    """Which conversations a dataset holds: their number and a hash of (id, content hash)."""

    conversations: int
    hash: str


@dataclass(frozen=True, slots=True)
class StoredAggregate:
    """A dataset aggregate payload, keyed by options and filter, with what it covered."""

    options_fingerprint: str
    filter_key: str
    coverage: Coverage
    payload: str
    computed_at: datetime


def coverage_of(content_hashes: dict[str, str]) -> Coverage:
    """The coverage of conversations given as ``{id: content hash}`` (order irrelevant)."""
    digest = hashlib.sha256()
    for conversation_id in sorted(content_hashes):
        digest.update(conversation_id.encode("utf-8"))
        digest.update(b"\x00")
        digest.update(content_hashes[conversation_id].encode("ascii"))
        digest.update(b"\n")
    return Coverage(conversations=len(content_hashes), hash=digest.hexdigest())


class AnalysisRepository:
    """Analyses kept beside a store's datasets; each method is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def content_hashes(self, dataset: str) -> dict[str, str]:
        """``{conversation id: content hash}`` for the dataset, in insertion order."""
        with translate_errors(self.engine), self.engine.connect() as conn:
            dataset_id = dataset_rows.get_dataset(conn, name=dataset).id
            rows = conn.execute(
                select(conversations.c.external_id, conversations.c.content_hash)
                .where(conversations.c.dataset_id == dataset_id)
                .order_by(conversations.c.pk)
            )
            return {row.external_id: row.content_hash for row in rows}

    def coverage(self, dataset: str) -> Coverage:
        """What an aggregate computed now would cover (compare with a stored one's)."""
        return coverage_of(self.content_hashes(dataset))

    def analysis_hashes(self, dataset: str, fingerprint: str) -> dict[str, str]:
        """``{conversation id: content hash it was computed from}`` of stored analyses."""
        _check_key("options fingerprint", fingerprint)
        with translate_errors(self.engine), self.engine.connect() as conn:
            dataset_id = dataset_rows.get_dataset(conn, name=dataset).id
            rows = conn.execute(
                select(
                    conversation_analyses.c.conversation_id, conversation_analyses.c.content_hash
                )
                .where(_analyses_of(dataset_id, fingerprint))
                .order_by(conversation_analyses.c.conversation_id)
            )
            return {row.conversation_id: row.content_hash for row in rows}

    def put_analyses(self, dataset: str, fingerprint: str, items: Iterable[StoredAnalysis]) -> int:
        """Write (or replace) analyses in one transaction; returns how many were written."""
        _check_key("options fingerprint", fingerprint)
        batch = list(items)
        if not batch:
            return 0
        with translate_errors(self.engine), self.engine.begin() as conn:
            dataset_id = dataset_rows.get_dataset(conn, name=dataset).id
            rows = [
                {
                    "dataset_id": dataset_id,
                    "options_fingerprint": fingerprint,
                    "conversation_id": item.conversation_id,
                    "content_hash": item.content_hash,
                    "payload": item.payload,
                }
                for item in batch
            ]
            statement = _upsert(
                conn, conversation_analyses, ("content_hash", "payload", "computed_at")
            )
            conn.execute(statement, rows)
        return len(batch)

    def get_analysis(
        self, dataset: str, fingerprint: str, conversation_id: str
    ) -> StoredAnalysis | None:
        """One conversation's stored analysis, current or not (compare its content hash)."""
        _check_key("options fingerprint", fingerprint)
        with translate_errors(self.engine), self.engine.connect() as conn:
            dataset_id = dataset_rows.get_dataset(conn, name=dataset).id
            row = conn.execute(
                select(conversation_analyses).where(
                    _analyses_of(dataset_id, fingerprint),
                    conversation_analyses.c.conversation_id == conversation_id,
                )
            ).one_or_none()
        if row is None:
            return None
        return StoredAnalysis(row.conversation_id, row.content_hash, row.payload)

    def current_analyses(
        self, dataset: str, fingerprint: str, *, batch_size: int = 500
    ) -> Iterator[StoredAnalysis]:
        """Stream the analyses that match their conversation's current content, in the
        dataset's insertion order; memory is bounded by ``batch_size``.

        Analyses of changed or removed conversations are skipped, so an aggregate built
        from this stream never mixes in an outdated one.
        """
        _check_key("options fingerprint", fingerprint)
        with translate_errors(self.engine), self.engine.connect() as conn:
            dataset_id = dataset_rows.get_dataset(conn, name=dataset).id
            last_pk = 0
            while True:
                page = conn.execute(
                    select(
                        conversations.c.pk,
                        conversation_analyses.c.conversation_id,
                        conversation_analyses.c.content_hash,
                        conversation_analyses.c.payload,
                    )
                    .join(
                        conversations,
                        and_(
                            conversations.c.dataset_id == conversation_analyses.c.dataset_id,
                            conversations.c.external_id == conversation_analyses.c.conversation_id,
                            conversations.c.content_hash == conversation_analyses.c.content_hash,
                        ),
                    )
                    .where(_analyses_of(dataset_id, fingerprint), conversations.c.pk > last_pk)
                    .order_by(conversations.c.pk)
                    .limit(batch_size)
                ).all()
                if not page:
                    return
                last_pk = page[-1].pk
                for row in page:
                    yield StoredAnalysis(row.conversation_id, row.content_hash, row.payload)

    def delete_analyses(
        self, dataset: str, fingerprint: str, conversation_ids: Collection[str]
    ) -> int:
        """Remove the named conversations' analyses; returns how many rows went."""
        _check_key("options fingerprint", fingerprint)
        removed = 0
        ids = sorted(set(conversation_ids))
        with translate_errors(self.engine), self.engine.begin() as conn:
            dataset_id = dataset_rows.get_dataset(conn, name=dataset).id
            for start in range(0, len(ids), 500):
                result = conn.execute(
                    delete(conversation_analyses).where(
                        _analyses_of(dataset_id, fingerprint),
                        conversation_analyses.c.conversation_id.in_(ids[start : start + 500]),
                    )
                )
                removed += result.rowcount
        return removed

    def delete_orphans(self, dataset: str) -> int:
        """Remove analyses (under any options) of conversations the dataset no longer holds."""
        with translate_errors(self.engine), self.engine.begin() as conn:
            dataset_id = dataset_rows.get_dataset(conn, name=dataset).id
            held = exists().where(
                conversations.c.dataset_id == dataset_id,
                conversations.c.external_id == conversation_analyses.c.conversation_id,
            )
            result = conn.execute(
                delete(conversation_analyses).where(
                    conversation_analyses.c.dataset_id == dataset_id, ~held
                )
            )
            return int(result.rowcount)

    def put_aggregate(
        self,
        dataset: str,
        fingerprint: str,
        filter_key: str,
        *,
        coverage: Coverage,
        payload: str,
    ) -> None:
        """Write (or replace) the aggregate for these options and this filter."""
        _check_key("options fingerprint", fingerprint)
        _check_key("filter key", filter_key)
        with translate_errors(self.engine), self.engine.begin() as conn:
            dataset_id = dataset_rows.get_dataset(conn, name=dataset).id
            statement = _upsert(
                conn,
                dataset_analyses,
                ("conversations", "coverage_hash", "payload", "computed_at"),
            )
            conn.execute(
                statement,
                [
                    {
                        "dataset_id": dataset_id,
                        "options_fingerprint": fingerprint,
                        "filter_key": filter_key,
                        "conversations": coverage.conversations,
                        "coverage_hash": coverage.hash,
                        "payload": payload,
                    }
                ],
            )

    def get_aggregate(
        self, dataset: str, fingerprint: str, filter_key: str
    ) -> StoredAggregate | None:
        """The stored aggregate, current or not (compare its coverage with :meth:`coverage`)."""
        _check_key("options fingerprint", fingerprint)
        _check_key("filter key", filter_key)
        with translate_errors(self.engine), self.engine.connect() as conn:
            dataset_id = dataset_rows.get_dataset(conn, name=dataset).id
            row = conn.execute(
                select(dataset_analyses).where(
                    dataset_analyses.c.dataset_id == dataset_id,
                    dataset_analyses.c.options_fingerprint == fingerprint,
                    dataset_analyses.c.filter_key == filter_key,
                )
            ).one_or_none()
        return None if row is None else _aggregate(row)

    def aggregates(self, dataset: str) -> list[StoredAggregate]:
        """Every stored aggregate of the dataset, newest first."""
        with translate_errors(self.engine), self.engine.connect() as conn:
            dataset_id = dataset_rows.get_dataset(conn, name=dataset).id
            rows = conn.execute(
                select(dataset_analyses)
                .where(dataset_analyses.c.dataset_id == dataset_id)
                .order_by(
                    dataset_analyses.c.computed_at.desc(),
                    dataset_analyses.c.options_fingerprint,
                    dataset_analyses.c.filter_key,
                )
            )
            return [_aggregate(row) for row in rows]


def _analyses_of(dataset_id: int, fingerprint: str) -> Any:
    return and_(
        conversation_analyses.c.dataset_id == dataset_id,
        conversation_analyses.c.options_fingerprint == fingerprint,
    )


def _aggregate(row: Any) -> StoredAggregate:
    return StoredAggregate(
        options_fingerprint=row.options_fingerprint,
        filter_key=row.filter_key,
        coverage=Coverage(conversations=row.conversations, hash=row.coverage_hash),
        payload=row.payload,
        computed_at=_utc(row.computed_at),
    )


def _upsert(conn: Connection, table: Table, replaced: tuple[str, ...]) -> Insert:
    """``INSERT … ON CONFLICT (primary key) DO UPDATE`` in the connection's own dialect.

    Two runs writing the same analysis at once both succeed; the later write wins.
    """
    keys = [column.name for column in table.primary_key.columns]
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        pg = postgresql_insert(table)
        return pg.on_conflict_do_update(
            index_elements=keys, set_=_replacements(pg.excluded, replaced)
        )
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    lite = sqlite_insert(table)
    return lite.on_conflict_do_update(
        index_elements=keys, set_=_replacements(lite.excluded, replaced)
    )


def _replacements(excluded: Any, replaced: tuple[str, ...]) -> dict[str, Any]:
    return {
        name: func.now() if name == "computed_at" else getattr(excluded, name) for name in replaced
    }


def _check_key(kind: str, value: str) -> None:
    """Refuse a key the columns cannot hold, the same way on every backend."""
    if not value or len(value) > KEY_LENGTH or "\x00" in value:
        raise UsageError(
            f"the {kind} {value[:80]!r} is not 1 to {KEY_LENGTH} characters without NUL",
            hint=f"pass a hash (e.g. SHA-256 hex) as the {kind}",
        )


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
