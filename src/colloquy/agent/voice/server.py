"""The voice server: the SIP user agent answering calls, one pipeline per call.

Each answered call runs :func:`run_call` over its RTP session: received 8 kHz frames feed the
pipeline, the agent's speech goes back as paced G.711 packets. When the caller hangs up the
media closes, the pipeline ends and the session is closed in the audit; the call's
transcript and stage timings are kept as a :class:`CallRecord`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from colloquy.agent.voice.g711 import SAMPLE_RATE
from colloquy.agent.voice.pipeline.build import CallRecord, VoiceStack, run_call
from colloquy.agent.voice.pipeline.latency import LatencyLedger
from colloquy.agent.voice.pipeline.sink import RtpSink
from colloquy.agent.voice.recording import save_call
from colloquy.agent.voice.sip.ua import SipCall, SipConfig, SipServer
from colloquy.logging import get_logger

log = get_logger(__name__)


@dataclass
class VoiceServer:
    stack: VoiceStack
    config: SipConfig = field(default_factory=SipConfig)
    ledger: LatencyLedger = field(default_factory=LatencyLedger)
    on_call: Callable[[CallRecord], None] | None = None
    recordings: Path | None = None
    """Where each call's audio (both legs) and transcript go; ``None`` keeps none."""
    records: list[CallRecord] = field(default_factory=list)
    sip: SipServer = field(init=False)

    def __post_init__(self) -> None:
        self.sip = SipServer(self.config, self._handle)

    async def start(self) -> int:
        return await self.sip.start()

    async def stop(self) -> None:
        await self.sip.stop()

    async def _handle(self, call: SipCall) -> None:
        frames: asyncio.Queue[bytes | None] = asyncio.Queue()
        call.media.record = self.recordings is not None
        started = asyncio.get_running_loop().time()

        async def relay() -> None:
            source = call.media.inbound
            while True:
                pcm = await source.get()
                await frames.put(pcm)
                if pcm is None:
                    return

        relaying = asyncio.create_task(relay())
        ended = asyncio.create_task(call.ended.wait())
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
            self.records.append(record)
            if self.recordings is not None:
                save_call(self.recordings, record, call.media.heard, call.media.said, started)
            log.info("voice_call_ended", call_id=call.call_id, turns=len(record.turns))
            if self.on_call is not None:
                self.on_call(record)


__all__ = ["VoiceServer"]
