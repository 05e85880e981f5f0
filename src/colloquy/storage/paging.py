"""One page of a dataset's conversations after a position: keyset pagination for the API.

A page is addressed by the primary key of the last conversation of the previous page,
never by an offset, so a page costs the same deep in a large dataset as at its start and
conversations ingested meanwhile never shift what a client already saw. The API wraps
the position in an opaque cursor.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from colloquy.schema import Conversation, DialogueAct, Outcome, Turn
from colloquy.storage import datasets as dataset_rows
from colloquy.storage.engine import translate_errors
from colloquy.storage.tables import conversations, turns


@dataclass(frozen=True, slots=True)
class ConversationPage:
    """Up to ``limit`` conversations, and the position after the last (None at the end)."""

    conversations: tuple[Conversation, ...]
    next_after: int | None


def conversation_page(engine: Engine, dataset: str, *, after: int, limit: int) -> ConversationPage:
    """The conversations of ``dataset`` whose key is above ``after``, in insertion order."""
    with translate_errors(engine), engine.connect() as conn:
        dataset_id = dataset_rows.get_dataset(conn, name=dataset).id
        rows = conn.execute(
            select(conversations)
            .where(conversations.c.dataset_id == dataset_id, conversations.c.pk > after)
            .order_by(conversations.c.pk)
            .limit(limit + 1)
        ).all()
        more = len(rows) > limit
        rows = rows[:limit]
        by_pk: dict[int, list[Turn]] = {row.pk: [] for row in rows}
        if by_pk:
            for t in conn.execute(
                select(turns)
                .where(turns.c.conversation_pk.in_(list(by_pk)))
                .order_by(turns.c.conversation_pk, turns.c.idx)
            ):
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
    page = tuple(
        Conversation(
            id=row.external_id,
            source=row.source,
            channel=row.channel,
            started_at=row.started_at,
            turns=tuple(by_pk[row.pk]),
            metadata=row.metadata,
            outcome=Outcome(
                converted=row.outcome_converted, value=row.outcome_value, notes=row.outcome_notes
            )
            if row.has_outcome
            else None,
            labels=row.labels,
        )
        for row in rows
    )
    return ConversationPage(page, rows[-1].pk if more and rows else None)
