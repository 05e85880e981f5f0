"""Reads and writes of datasets and conversations, as keyword-only functions on a connection.

The caller owns the transaction (see :class:`colloquy.storage.store.Store`), so a whole
ingest commits or rolls back as one. Bulk writes go around the ORM: conversations and turns
go in batches, by the driver's ``executemany`` on SQLite and by ``COPY`` on PostgreSQL,
with each row built once in the form the driver takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, delete, func, insert, or_, select, update

from colloquy.errors import ConflictError, NotFoundError
from colloquy.progress import ProgressCallback, emit
from colloquy.schema import Conversation, DialogueAct, Outcome, Turn
from colloquy.storage.tables import TURN_COLUMNS, conversations, datasets, splits, turns

MAX_BATCH_TURNS = 5000
"""A batch is also cut at this many turns, so long dialogues cannot make it large."""


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """A stored dataset and its size."""

    id: int
    name: str
    source: str
    description: str | None
    params: dict[str, Any]
    created_at: datetime
    conversations: int
    turns: int


@dataclass(frozen=True, slots=True)
class DatasetStats:
    """What is in a dataset: turns per speaker, outcomes, and each label's distribution."""

    speakers: dict[str, int]
    outcomes: dict[str, int]
    labels: dict[str, dict[str, int]]


@dataclass(slots=True)
class InsertReport:
    """What a bulk insert did: how many conversations were new and how many were known."""

    dataset: str
    received: int = 0
    inserted: int = 0
    duplicates: int = 0
    turns: int = 0
    duplicate_ids: list[str] = field(default_factory=list)


def create_dataset(
    conn: Connection,
    *,
    name: str,
    source: str,
    description: str | None = None,
    params: dict[str, Any] | None = None,
) -> int:
    """Create the dataset ``name`` (or return its id when it exists with the same source)."""
    row = conn.execute(
        select(datasets.c.id, datasets.c.source).where(datasets.c.name == name)
    ).first()
    if row is not None:
        if row.source != source:
            raise ConflictError(
                f"dataset {name!r} already holds {row.source!r} data, not {source!r}",
                hint="choose another --dataset name",
            )
        return int(row.id)
    result = conn.execute(
        insert(datasets)
        .values(name=name, source=source, description=description, params=params or {})
        .returning(datasets.c.id)
    )
    return int(result.scalar_one())


def append_ingest_record(conn: Connection, *, dataset_id: int, entry: dict[str, Any]) -> None:
    """Add one ingest's record (when, what, how) to the dataset's ``params["ingests"]``."""
    params = conn.execute(select(datasets.c.params).where(datasets.c.id == dataset_id)).scalar_one()
    params = dict(params or {})
    stamped = {"at": datetime.now(UTC).isoformat(), **entry}
    params["ingests"] = [*params.get("ingests", []), stamped]
    conn.execute(update(datasets).where(datasets.c.id == dataset_id).values(params=params))


def get_dataset(conn: Connection, *, name: str) -> DatasetInfo:
    """The dataset ``name`` with its counts; :class:`NotFoundError` lists the known names."""
    for info in list_datasets(conn, name=name):
        return info
    known = [info.name for info in list_datasets(conn)]
    raise NotFoundError(
        f"no dataset named {name!r}",
        hint=f"known datasets: {', '.join(known)}"
        if known
        else "ingest one with `colloquy data ingest`",
    )


def list_datasets(conn: Connection, *, name: str | None = None) -> list[DatasetInfo]:
    """Every dataset (or just ``name``) with conversation and turn counts."""
    counts = (
        select(
            conversations.c.dataset_id,
            func.count().label("n_conv"),
            func.coalesce(func.sum(conversations.c.n_turns), 0).label("n_turns"),
        )
        .group_by(conversations.c.dataset_id)
        .subquery()
    )
    query = (
        select(datasets, counts.c.n_conv, counts.c.n_turns)
        .outerjoin(counts, counts.c.dataset_id == datasets.c.id)
        .order_by(datasets.c.name)
    )
    if name is not None:
        query = query.where(datasets.c.name == name)
    return [
        DatasetInfo(
            id=row.id,
            name=row.name,
            source=row.source,
            description=row.description,
            params=dict(row.params or {}),
            created_at=_utc(row.created_at),
            conversations=int(row.n_conv or 0),
            turns=int(row.n_turns or 0),
        )
        for row in conn.execute(query)
    ]


def dataset_stats(conn: Connection, *, dataset_id: int, max_values: int = 200) -> DatasetStats:
    """Counts for ``colloquy data show``; labels are counted per key for scalar values.

    Label keys with more than ``max_values`` distinct values (ids, free text) are dropped
    from the result rather than listed.
    """
    in_dataset = conversations.c.dataset_id == dataset_id
    speakers = {
        row.speaker: int(row.n)
        for row in conn.execute(
            select(turns.c.speaker, func.count().label("n"))
            .join(conversations, conversations.c.pk == turns.c.conversation_pk)
            .where(in_dataset)
            .group_by(turns.c.speaker)
        )
    }
    outcomes: dict[str, int] = {}
    for row in conn.execute(
        select(
            conversations.c.has_outcome, conversations.c.outcome_converted, func.count().label("n")
        )
        .where(in_dataset)
        .group_by(conversations.c.has_outcome, conversations.c.outcome_converted)
    ):
        key = "no outcome" if not row.has_outcome else f"converted={row.outcome_converted}"
        outcomes[key] = outcomes.get(key, 0) + int(row.n)
    labels: dict[str, dict[str, int]] = {}
    overflow: set[str] = set()
    rows = conn.execution_options(yield_per=5000).execute(
        select(conversations.c.labels).where(in_dataset)
    )
    for (label_map,) in rows:
        for key, value in (label_map or {}).items():
            if key in overflow or isinstance(value, (dict, list)):
                continue
            counts = labels.setdefault(key, {})
            counts[str(value)] = counts.get(str(value), 0) + 1
            if len(counts) > max_values:
                overflow.add(key)
                del labels[key]
    return DatasetStats(speakers=speakers, outcomes=outcomes, labels=labels)


def save_split(
    conn: Connection, *, dataset_id: int, name: str, ids_sha256: str, document: dict[str, Any]
) -> None:
    """Store (or replace) the split ``name`` of a dataset."""
    conn.execute(delete(splits).where(splits.c.dataset_id == dataset_id, splits.c.name == name))
    conn.execute(
        insert(splits).values(
            dataset_id=dataset_id, name=name, ids_sha256=ids_sha256, document=document
        )
    )


def load_split(
    conn: Connection, *, dataset_id: int, dataset_name: str, name: str
) -> dict[str, Any]:
    """The stored split document; :class:`NotFoundError` lists the saved split names."""
    document = conn.execute(
        select(splits.c.document).where(splits.c.dataset_id == dataset_id, splits.c.name == name)
    ).scalar_one_or_none()
    if document is not None:
        return dict(document)
    known = conn.execute(
        select(splits.c.name).where(splits.c.dataset_id == dataset_id).order_by(splits.c.name)
    ).scalars()
    names = ", ".join(known)
    raise NotFoundError(
        f"dataset {dataset_name!r} has no split named {name!r}",
        hint=f"saved splits: {names}" if names else f"run `colloquy data split {dataset_name}`",
    )


def delete_dataset(conn: Connection, *, name: str) -> None:
    """Remove a dataset with all its conversations and turns."""
    dataset_id = get_dataset(conn, name=name).id
    conv_pks = select(conversations.c.pk).where(conversations.c.dataset_id == dataset_id)
    conn.execute(delete(turns).where(turns.c.conversation_pk.in_(conv_pks)))
    conn.execute(delete(splits).where(splits.c.dataset_id == dataset_id))
    conn.execute(delete(conversations).where(conversations.c.dataset_id == dataset_id))
    conn.execute(delete(datasets).where(datasets.c.id == dataset_id))


def insert_conversations(
    conn: Connection,
    *,
    dataset_id: int,
    dataset_name: str,
    conversations_: Iterable[Conversation],
    batch_size: int = 2000,
    on_batch: ProgressCallback | None = None,
) -> InsertReport:
    """Insert conversations not yet in the dataset; a known content hash is skipped.

    A conversation whose id is already stored with *different* content raises
    :class:`ConflictError`; the caller's transaction then rolls everything back.
    """
    report = InsertReport(dataset=dataset_name)
    batch: list[Conversation] = []
    batch_turns = 0
    for conversation in conversations_:
        batch.append(conversation)
        batch_turns += len(conversation.turns)
        if len(batch) >= batch_size or batch_turns >= MAX_BATCH_TURNS:
            _insert_batch(conn, dataset_id, dataset_name, batch, report)
            batch, batch_turns = [], 0
            _report_batch(on_batch, report)
    if batch:
        _insert_batch(conn, dataset_id, dataset_name, batch, report)
        _report_batch(on_batch, report)
    return report


def _insert_batch(
    conn: Connection,
    dataset_id: int,
    dataset_name: str,
    batch: Sequence[Conversation],
    report: InsertReport,
) -> None:
    report.received += len(batch)
    hashed: dict[str, Conversation] = {}
    for conversation in batch:
        digest = conversation.content_hash
        if digest in hashed:
            report.duplicates += 1
            report.duplicate_ids.append(conversation.id)
        else:
            hashed[digest] = conversation
    known = conn.execute(
        select(conversations.c.external_id, conversations.c.content_hash).where(
            conversations.c.dataset_id == dataset_id,
            or_(
                conversations.c.content_hash.in_(list(hashed)),
                conversations.c.external_id.in_([c.id for c in hashed.values()]),
            ),
        )
    ).all()
    known_hashes = {row.content_hash for row in known}
    known_ids = {row.external_id for row in known}
    fresh: list[tuple[str, Conversation]] = []
    seen_ids: set[str] = set()
    for digest, conversation in hashed.items():
        if digest in known_hashes:
            report.duplicates += 1
            report.duplicate_ids.append(conversation.id)
            continue
        if conversation.id in known_ids or conversation.id in seen_ids:
            raise ConflictError(
                f"conversation {conversation.id!r} is already in dataset {dataset_name!r} "
                "with different content",
                hint="give changed conversations new ids, or ingest into a new dataset",
            )
        seen_ids.add(conversation.id)
        fresh.append((digest, conversation))
    if not fresh:
        return
    stamp = _sqlite_time if conn.dialect.name == "sqlite" else _as_is
    pks = _write_conversations(
        conn,
        dataset_id,
        [_conversation_row(dataset_id, digest, conv, stamp) for digest, conv in fresh],
    )
    turn_rows = [
        _turn_row(pk, turn, stamp)
        for pk, (_, conversation) in zip(pks, fresh, strict=True)
        for turn in conversation.turns
    ]
    _write_rows(conn, "turns", TURN_COLUMNS, turn_rows)
    report.inserted += len(fresh)
    report.turns += len(turn_rows)


CONVERSATION_COLUMNS = (
    "dataset_id",
    "external_id",
    "content_hash",
    "source",
    "channel",
    "started_at",
    "n_turns",
    "metadata",
    "labels",
    "outcome_converted",
    "outcome_value",
    "outcome_notes",
    "has_outcome",
)

_NO_ACTS = "[]"
_NO_EXTRA = "{}"


def _conversation_row(
    dataset_id: int,
    digest: str,
    conv: Conversation,
    stamp: Callable[[datetime | None], Any],
) -> tuple[Any, ...]:
    outcome = conv.outcome
    return (
        dataset_id,
        conv.id,
        digest,
        conv.source,
        conv.channel,
        stamp(conv.started_at),
        len(conv.turns),
        orjson.dumps(conv.metadata).decode(),
        orjson.dumps(conv.labels).decode(),
        outcome.converted if outcome else None,
        outcome.value if outcome else None,
        outcome.notes if outcome else None,
        outcome is not None,
    )


def _turn_row(pk: int, turn: Turn, stamp: Callable[[datetime | None], Any]) -> tuple[Any, ...]:
    acts = (
        orjson.dumps(
            [{"act": a.act, "slot": a.slot, "values": a.values} for a in turn.dialogue_acts]
        ).decode()
        if turn.dialogue_acts
        else _NO_ACTS
    )
    return (
        pk,
        turn.index,
        turn.speaker.value,
        turn.speaker_id,
        turn.text,
        stamp(turn.timestamp),
        turn.intent,
        acts,
        orjson.dumps(turn.extra).decode() if turn.extra else _NO_EXTRA,
    )


def _write_conversations(
    conn: Connection, dataset_id: int, rows: list[tuple[Any, ...]]
) -> list[int]:
    """Insert conversation rows and return their primary keys in row order.

    PostgreSQL: keys are drawn from the table's sequence, then rows go in by ``COPY``.
    SQLite: one ``executemany``, then the keys are looked up by content hash (unique per
    dataset), which is exact even with other writers around.
    """
    if conn.dialect.name == "postgresql":
        pks = [
            int(pk)
            for pk in conn.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence('conversations', 'pk')) "
                "FROM generate_series(1, %(n)s)",
                {"n": len(rows)},
            ).scalars()
        ]
        _write_rows(
            conn,
            "conversations",
            ("pk", *CONVERSATION_COLUMNS),
            [(pk, *row) for pk, row in zip(pks, rows, strict=True)],
        )
        return pks
    _write_rows(conn, "conversations", CONVERSATION_COLUMNS, rows)
    hashes = [row[2] for row in rows]
    by_hash = {
        row.content_hash: int(row.pk)
        for row in conn.execute(
            select(conversations.c.pk, conversations.c.content_hash).where(
                conversations.c.dataset_id == dataset_id,
                conversations.c.content_hash.in_(hashes),
            )
        )
    }
    return [by_hash[digest] for digest in hashes]


def _write_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Bulk-write ``rows``: ``COPY`` on PostgreSQL, the driver's ``executemany`` on SQLite."""
    if not rows:
        return
    driver = conn.connection.driver_connection
    names = ", ".join(f'"{c}"' for c in columns)
    if conn.dialect.name == "postgresql":
        with (
            driver.cursor() as cursor,  # type: ignore[union-attr]
            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join("?" for _ in columns)
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)
    finally:
        cursor.close()


def _as_is(value: datetime | None) -> datetime | None:
    return value


def _sqlite_time(value: datetime | None) -> str | None:
    """The text SQLAlchemy's SQLite ``DateTime`` type writes and reads back."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def iter_conversations(
    conn: Connection, *, dataset_id: int, batch_size: int = 500
) -> Iterator[Conversation]:
    """Stream a dataset's conversations in insertion order, ``batch_size`` at a time.

    Memory stays bounded by one batch: pages are fetched by primary key, never by offset.
    """
    last_pk = 0
    while True:
        page = conn.execute(
            select(conversations)
            .where(conversations.c.dataset_id == dataset_id, conversations.c.pk > last_pk)
            .order_by(conversations.c.pk)
            .limit(batch_size)
        ).all()
        if not page:
            return
        last_pk = page[-1].pk
        by_pk: dict[int, list[Turn]] = {row.pk: [] for row in page}
        turn_rows = conn.execute(
            select(turns)
            .where(turns.c.conversation_pk.in_(list(by_pk)))
            .order_by(turns.c.conversation_pk, turns.c.idx)
        )
        for t in turn_rows:
            by_pk[t.conversation_pk].append(
                Turn(
                    index=t.idx,
                    speaker=t.speaker,
                    speaker_id=t.speaker_id,
                    text=t.text,
                    timestamp=t.timestamp,
                    intent=t.intent,
                    dialogue_acts=tuple(DialogueAct(**a) for a in t.dialogue_acts),
                    extra=t.extra,
                )
            )
        for row in page:
            outcome = (
                Outcome(
                    converted=row.outcome_converted,
                    value=row.outcome_value,
                    notes=row.outcome_notes,
                )
                if row.has_outcome
                else None
            )
            yield Conversation(
                id=row.external_id,
                source=row.source,
                channel=row.channel,
                started_at=row.started_at,
                turns=tuple(by_pk[row.pk]),
                metadata=row.metadata,
                outcome=outcome,
                labels=row.labels,
            )


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _report_batch(progress: ProgressCallback | None, report: InsertReport) -> None:
    """Conversations read so far, with the turns written as the event's detail."""
    detail = f"{report.turns:,} turns stored"
    emit(progress, "ingest", report.received, None, unit="conversations", detail=detail)
