"""The voice server: the SIP user agent answering calls, one pipeline per call.

Each answered call runs :func:`run_call` over its RTP session: received 8 kHz frames feed the
pipeline, the agent's speech goes back as paced G.711 packets. When the caller hangs up the
media closes, the pipeline ends and the session is closed in the audit; the call's
transcript and stage timings are kept as a :class:`CallRecord`, and the
:class:`~colloquy.agent.voice.calls.archive.CallArchive` records, scores and stores it.
With a conversion model, each turn is also scored while the call goes on. With an
``account``, the server registers with a PBX or trunk and keeps the binding fresh.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from colloquy.agent.voice.calls.archive import ArchivedCall, CallArchive
from colloquy.agent.voice.calls.base import RecordingStore
from colloquy.agent.voice.calls.conversation import CallFacts
from colloquy.agent.voice.calls.live import LiveScoring
from colloquy.agent.voice.calls.local import LocalRecordingStore
from colloquy.agent.voice.g711 import SAMPLE_RATE
from colloquy.agent.voice.pipeline.build import CallRecord, VoiceStack, run_call
from colloquy.agent.voice.pipeline.latency import LatencyLedger
from colloquy.agent.voice.pipeline.sink import RtpSink
from colloquy.agent.voice.sip.register import Account, keep_registered, unregister
from colloquy.agent.voice.sip.ua import SipCall, SipConfig, SipServer
from colloquy.logging import get_logger

log = get_logger(__name__)

UNREGISTER_TIMEOUT_S = 2.0


@dataclass
class VoiceServer:
    stack: VoiceStack
    config: SipConfig = field(default_factory=SipConfig)
    ledger: LatencyLedger = field(default_factory=LatencyLedger)
    on_call: Callable[[CallRecord], None] | None = None
    recordings: Path | RecordingStore | None = None
    """Where each call's audio (both legs) and transcript go when no ``archive`` is given;
    ``None`` keeps none."""
    archive: CallArchive | None = None
    """What is kept of each call: recording, conversation in the store, conversion scores."""
    account: Account | None = None
    """A PBX or trunk account to register with while serving."""
    records: list[CallRecord] = field(default_factory=list)
    archived: list[ArchivedCall] = field(default_factory=list)
    registrations: list[int] = field(default_factory=list)
    """The final status of every REGISTER attempt, oldest first (zero: nothing answered)."""
    sip: SipServer = field(init=False)
    _registering: asyncio.Task[None] | None = field(default=None, init=False)
    _registered: asyncio.Event | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.sip = SipServer(self.config, self._handle)
        if self.archive is None and self.recordings is not None:
            store = (
                LocalRecordingStore(self.recordings)
                if isinstance(self.recordings, Path)
                else self.recordings
            )
            self.archive = CallArchive(recordings=store)

    async def start(self) -> int:
        port = await self.sip.start()
        if self.account is not None:
            self._registered = asyncio.Event()
            self._registering = asyncio.create_task(
                keep_registered(self.sip, self.account, on_status=self._on_register)
            )
        return port

    async def first_registration(self, timeout_s: float = 12.0) -> int | None:
        """The first REGISTER's final status, once known (``None`` if it takes longer)."""
        if self._registered is None:
            return None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._registered.wait(), timeout_s)
        return self.registrations[0] if self.registrations else None

    def _on_register(self, status: int) -> None:
        self.registrations.append(status)
        if self._registered is not None:
            self._registered.set()

    async def stop(self) -> None:
        if self._registering is not None:
            self._registering.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._registering
            self._registering = None
            if self.account is not None and 200 in self.registrations:
                try:
                    await unregister(self.sip, self.account, UNREGISTER_TIMEOUT_S)
                except (TimeoutError, OSError) as exc:
                    log.info("sip_unregister_unanswered", error=str(exc))
        await self.sip.stop()

    async def _handle(self, call: SipCall) -> None:
        frames: asyncio.Queue[bytes | None] = asyncio.Queue()
        archive = self.archive
        call.media.record = archive is not None and archive.recordings is not None
        loop = asyncio.get_running_loop()
        started, started_at = loop.time(), datetime.now(UTC)

        async def relay() -> None:
            source = call.media.inbound
            while True:
                pcm = await source.get()
                await frames.put(pcm)
                if pcm is None:
                    return

        relaying = asyncio.create_task(relay())
        ended = asyncio.create_task(call.ended.wait())
        scoring = None
        if archive is not None and archive.scorer is not None:
            live = LiveScoring(self.stack.engine, call.call_id, archive.scorer)
            scoring = asyncio.create_task(live.watch())
        talking = asyncio.create_task(
            run_call(
                self.stack,
                session_id=call.call_id,
                frames=frames,
                sample_rate=SAMPLE_RATE,
                sink=RtpSink(self.ledger, call.media),
            )
        )
        try:
            await asyncio.wait({ended, talking}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            relaying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relaying
            if not talking.done():
                await frames.put(None)
            record = await talking
            ended.cancel()
            if scoring is not None:
                scoring.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await scoring
            self.records.append(record)
            if archive is not None:
                facts = CallFacts(
                    "sip", started_at, started, loop.time() - started, caller=call.caller
                )
                kept = await archive.keep(
                    record, facts, heard=call.media.heard, said=call.media.said
                )
                self.archived.append(kept)
            log.info("voice_call_ended", call_id=call.call_id, turns=len(record.turns))
            if self.on_call is not None:
                self.on_call(record)


__all__ = ["VoiceServer"]
