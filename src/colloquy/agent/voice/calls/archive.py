"""What becomes of a call once it ended: its recording, its conversation, its score.

In order: the call is scored turn by turn (when a conversion model is loaded), its audio
and transcript with those scores are written to the recording store, and it is stored as
one conversation of the calls dataset, with the recording's location in its metadata, by
the store's normal ingest (a call stored twice is skipped). Every step that blocks (the
model, the upload, the database) runs in a thread, so the calls still in progress keep
their audio flowing. A step that fails is logged and the next ones still run: a bucket
that is down loses the audio, not the conversation.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from colloquy.agent.voice.calls.base import RecordingStore
from colloquy.agent.voice.calls.conversation import (
    SOURCE,
    CallFacts,
    call_conversation,
    spoken_lines,
)
from colloquy.agent.voice.calls.scoring import CallScorer
from colloquy.agent.voice.pipeline.build import CallRecord
from colloquy.agent.voice.recording import save_call
from colloquy.logging import get_logger
from colloquy.schema import Conversation

if TYPE_CHECKING:
    from colloquy.storage.store import Store

log = get_logger(__name__)

DATASET = "voice_calls"


@dataclass(frozen=True, slots=True)
class ArchivedCall:
    conversation: Conversation
    recording: str | None
    scores: tuple[float, ...]
    """P(convert) after each of the conversation's turns; empty without a model."""
    stored: bool
    """Whether the conversation went into the dataset (False: no store, a repeat, or failed)."""


@dataclass(frozen=True)
class CallArchive:
    recordings: RecordingStore | None = None
    store: Store | None = None
    dataset: str = DATASET
    scorer: CallScorer | None = None

    async def keep(
        self,
        record: CallRecord,
        facts: CallFacts,
        *,
        heard: list[tuple[float, bytes]] | None = None,
        said: list[tuple[float, bytes]] | None = None,
    ) -> ArchivedCall:
        """Score, record and store one finished call; ``heard``/``said`` are its two legs."""
        scores = await self._scores(record, facts)
        recording = None
        if self.recordings is not None:
            by_line = dict(zip(spoken_lines(record), scores, strict=False))
            try:
                recording = await asyncio.to_thread(
                    save_call,
                    self.recordings,
                    record,
                    heard or [],
                    said or [],
                    facts.started,
                    scores=by_line,
                )
            except Exception as exc:
                log.error("voice_recording_failed", call_id=record.session_id, error=repr(exc))
        model = self.scorer.name if self.scorer is not None else None
        conversation = call_conversation(
            record,
            replace(facts, recording=recording) if recording else facts,
            scores=scores,
            model=model,
        )
        stored = await self._store(conversation)
        return ArchivedCall(conversation, recording, tuple(scores), stored)

    async def _scores(self, record: CallRecord, facts: CallFacts) -> list[float]:
        if self.scorer is None:
            return []
        conversation = call_conversation(record, facts)
        try:
            return await self.scorer.running(conversation)
        except Exception as exc:
            log.error("voice_scoring_failed", call_id=record.session_id, error=repr(exc))
            return []

    async def _store(self, conversation: Conversation) -> bool:
        if self.store is None:
            return False
        store = self.store
        try:
            report = await asyncio.to_thread(
                lambda: store.ingest(
                    dataset=self.dataset,
                    source=SOURCE,
                    conversations=[conversation],
                    description="voice calls answered by the agent (colloquy agent voice serve)",
                )
            )
        except Exception as exc:
            log.error("voice_call_not_stored", call_id=conversation.id, error=repr(exc))
            return False
        return report.inserted > 0


__all__ = ["DATASET", "ArchivedCall", "CallArchive"]
