"""Agent sessions as :class:`~colloquy.schema.Conversation` records, for the analytics.

The analysis engine, conversion scoring and every dataset command take conversations, so
a session becomes one: the caller's messages and the replies actually sent (after
validation), in order, each stamped with the time its event was logged. A customer turn's
``intent`` is the journey its message activated, which is the agent's own reading of what
the caller wanted. :func:`export_sessions` stores sessions as a dataset, so
``colloquy analyze`` runs on them like on any ingested data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from colloquy.agent.audit.replay import replay, said_text
from colloquy.agent.turn import AuditEvent, EventKind
from colloquy.schema import Conversation, Speaker, Turn

if TYPE_CHECKING:
    from colloquy.storage.bulk import InsertReport
    from colloquy.storage.store import Store

SOURCE = "colloquy-agent"


def session_conversation(store: Store, session_id: str) -> Conversation:
    """The session ``session_id`` as a conversation (NotFoundError when unknown)."""
    rebuilt = replay(store, session_id)
    session = rebuilt.session
    intents = {t.turn: t.activation.journey for t in rebuilt.turns if t.activation is not None}
    metadata: dict[str, object] = {
        "agent_session": session.id,
        "status": session.status,
        "agent_turns": session.turns,
    }
    if session.journey is not None:
        metadata["journey"] = session.journey
        metadata["journey_version"] = session.journey_version
    if session.customer_id is not None:
        metadata["customer_id"] = session.customer_id
    return Conversation(
        id=session.id,
        source=SOURCE,
        channel=session.channel,
        started_at=session.started_at,
        turns=tuple(_turns(rebuilt.events, intents)),
        metadata=metadata,
    )


def export_sessions(store: Store, dataset: str, session_ids: Iterable[str]) -> InsertReport:
    """Store the sessions as conversations of ``dataset`` (all or none; repeats skipped)."""
    conversations = [session_conversation(store, sid) for sid in session_ids]
    return store.ingest(
        dataset=dataset,
        source=SOURCE,
        conversations=conversations,
        description="agent sessions (colloquy agent sessions --export)",
    )


def _turns(events: Iterable[AuditEvent], intents: dict[int, str | None]) -> list[Turn]:
    turns: list[Turn] = []
    for event in events:
        if event.kind not in (EventKind.MESSAGE, EventKind.REPLY):
            continue
        text = said_text(event.payload)
        if not text.strip():
            continue
        customer = event.kind is EventKind.MESSAGE
        turns.append(
            Turn(
                index=len(turns),
                speaker=Speaker.CUSTOMER if customer else Speaker.AGENT,
                text=text,
                timestamp=event.created_at or None,
                intent=intents.get(event.turn) if customer else None,
                extra={"agent_turn": event.turn},
            )
        )
    return turns
