"""Bulk writes of conversations and turns: new ones in batches, known ones skipped.

Writes go around the ORM: by ``COPY`` on PostgreSQL and the driver's ``executemany`` on
SQLite, with each row built once in the form the driver takes. Driver errors from these
raw cursors are re-raised as SQLAlchemy errors, so :func:`~colloquy.storage.engine.
translate_errors` turns them into one-line storage errors like every other statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, or_, select
from sqlalchemy.exc import DBAPIError

from colloquy.errors import ConflictError
from colloquy.progress import ProgressCallback, emit
from colloquy.schema import Conversation, Turn
from colloquy.schema.conversation import (
    MAX_CHANNEL_LENGTH,
    MAX_ID_LENGTH,
    MAX_NAME_LENGTH,
    MAX_SOURCE_LENGTH,
    check_limits,
)
from colloquy.storage.tables import TURN_COLUMNS, conversations

MAX_BATCH_TURNS = 5000
"""A batch is also cut at this many turns, so long dialogues cannot make it large."""

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
_NUL = "\x00"
_JSON_NUL = "\\u0000"


@dataclass(slots=True)
class InsertReport:
    """What a bulk insert did: how many conversations were new and how many were known."""

    dataset: str
    received: int = 0
    inserted: int = 0
    duplicates: int = 0
    turns: int = 0
    duplicate_ids: list[str] = field(default_factory=list)


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
    fresh = _fresh(conn, dataset_id, dataset_name, batch, report)
    if not fresh:
        return
    stamp = _sqlite_time if conn.dialect.name == "sqlite" else _as_is
    rows = []
    turn_tails = []
    for digest, conversation in fresh:
        row = _conversation_row(dataset_id, digest, conversation, stamp)
        tails = [_turn_tail(turn, stamp) for turn in conversation.turns]
        if _suspect_conversation(row) or any(_suspect_turn(tail) for tail in tails):
            check_limits(conversation)
        rows.append(row)
        turn_tails.append(tails)
    pks = _write_conversations(conn, dataset_id, rows)
    turn_rows = [(pk, *tail) for pk, tails in zip(pks, turn_tails, strict=True) for tail in tails]
    _write_rows(conn, "turns", TURN_COLUMNS, turn_rows)
    report.inserted += len(fresh)
    report.turns += len(turn_rows)


def _fresh(
    conn: Connection,
    dataset_id: int,
    dataset_name: str,
    batch: Sequence[Conversation],
    report: InsertReport,
) -> list[tuple[str, Conversation]]:
    """The batch's conversations the dataset lacks; duplicates are counted in ``report``."""
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
    return fresh


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


def _turn_tail(turn: Turn, stamp: Callable[[datetime | None], Any]) -> tuple[Any, ...]:
    """A turn's row without its conversation's key, which is known only once written."""
    acts = (
        orjson.dumps(
            [{"act": a.act, "slot": a.slot, "values": a.values} for a in turn.dialogue_acts]
        ).decode()
        if turn.dialogue_acts
        else _NO_ACTS
    )
    return (
        turn.index,
        turn.speaker.value,
        turn.speaker_id,
        turn.text,
        stamp(turn.timestamp),
        turn.intent,
        acts,
        orjson.dumps(turn.extra).decode() if turn.extra else _NO_EXTRA,
    )


def _suspect_conversation(row: tuple[Any, ...]) -> bool:
    """Whether a row may break a schema limit (records from ``model_copy`` skip them).

    A cheap look at the row about to be written; a hit is confirmed, with the field path,
    by :func:`~colloquy.schema.conversation.check_limits`.
    """
    external_id, source, channel, notes = row[1], row[3], row[4], row[11]
    return (
        len(external_id) > MAX_ID_LENGTH
        or len(source) > MAX_SOURCE_LENGTH
        or len(channel) > MAX_CHANNEL_LENGTH
        or _NUL in external_id
        or _NUL in source
        or _NUL in channel
        or _JSON_NUL in row[7]
        or _JSON_NUL in row[8]
        or (notes is not None and _NUL in notes)
    )


def _suspect_turn(tail: tuple[Any, ...]) -> bool:
    speaker_id, text, intent = tail[2], tail[3], tail[5]
    return (
        _NUL in text
        or _JSON_NUL in tail[6]
        or _JSON_NUL in tail[7]
        or (speaker_id is not None and (len(speaker_id) > MAX_NAME_LENGTH or _NUL in speaker_id))
        or (intent is not None and (len(intent) > MAX_NAME_LENGTH or _NUL in intent))
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
        statement = f"COPY {table} ({names}) FROM STDIN"
        with (
            _driver_errors(conn, statement),
            driver.cursor() as cursor,  # type: ignore[union-attr]
            cursor.copy(statement) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"
    with _driver_errors(conn, statement):
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(statement, rows)
        finally:
            cursor.close()


@contextmanager
def _driver_errors(conn: Connection, statement: str) -> Iterator[None]:
    """Re-raise a raw driver error as the SQLAlchemy error a normal statement would give."""
    dbapi = conn.dialect.loaded_dbapi
    try:
        yield
    except dbapi.Error as exc:
        raise DBAPIError.instance(
            statement, None, exc, dbapi.Error, hide_parameters=True, dialect=conn.dialect
        ) from exc


def _as_is(value: datetime | None) -> datetime | None:
    return value


def _sqlite_time(value: datetime | None) -> str | None:
    """The text SQLAlchemy's SQLite ``DateTime`` type writes and reads back."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _report_batch(progress: ProgressCallback | None, report: InsertReport) -> None:
    """Conversations read so far, with the turns written as the event's detail."""
    detail = f"{report.turns:,} turns stored"
    emit(progress, "ingest", report.received, None, unit="conversations", detail=detail)
