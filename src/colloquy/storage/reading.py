"""Streaming a dataset's conversations back as records, one bounded page at a time."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, select

from colloquy.schema import Conversation, DialogueAct, Outcome, Turn
from colloquy.storage.tables import conversations, turns


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
