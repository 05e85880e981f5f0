"""Streaming a dataset's conversations back as records, one bounded page at a time."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, select

from colloquy.schema import Conversation, DialogueAct, Outcome, Turn
from colloquy.storage.tables import conversations, turns


def iter_conversations(
    conn: Connection,
    *,
    dataset_id: int,
    batch_size: int = 500,
    external_ids: Collection[str] | None = None,
) -> Iterator[Conversation]:
    """Stream a dataset's conversations in insertion order, ``batch_size`` at a time.

    Memory stays bounded by one batch: pages are fetched by primary key, never by offset.
    ``external_ids`` restricts the stream to those conversations (ids the dataset does
    not hold are ignored), so re-reading a few of a large dataset reads only those few.
    """
    if external_ids is not None:
        yield from _selected(conn, dataset_id, sorted(set(external_ids)), batch_size)
        return
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
        yield from _records(conn, page)


def _selected(
    conn: Connection, dataset_id: int, ids: Sequence[str], batch_size: int
) -> Iterator[Conversation]:
    """The named conversations in insertion order; ids are resolved 500 at a time."""
    pks: list[int] = []
    for start in range(0, len(ids), 500):
        pks.extend(
            conn.execute(
                select(conversations.c.pk).where(
                    conversations.c.dataset_id == dataset_id,
                    conversations.c.external_id.in_(ids[start : start + 500]),
                )
            ).scalars()
        )
    pks.sort()
    for start in range(0, len(pks), batch_size):
        page = conn.execute(
            select(conversations)
            .where(conversations.c.pk.in_(pks[start : start + batch_size]))
            .order_by(conversations.c.pk)
        ).all()
        yield from _records(conn, page)


def _records(conn: Connection, page: Sequence[Any]) -> Iterator[Conversation]:
    """One page of conversation rows, with their turns, as records."""
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
