"""A local test call: the caller is synthesised, played into the pipeline in real time.

Each caller line waits for the agent's whole answer (and its playout) before it is spoken,
as a polite caller would; between lines the line stays open with silence, so VAD and the
turn model see exactly what a phone line would carry.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence

from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.pipeline.build import CallRecord, VoiceStack, run_call
from colloquy.agent.voice.pipeline.latency import LatencyLedger
from colloquy.agent.voice.pipeline.sink import BufferSink
from colloquy.agent.voice.rtp.session import FRAME_MS

SAMPLE_RATE = 16000
FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000 * 2
ANSWER_TIMEOUT_S = 120.0
TAIL_S = 0.6


async def local_call(
    stack: VoiceStack,
    utterances: Sequence[Audio],
    *,
    ledger: LatencyLedger | None = None,
    realtime: bool = True,
    fast_speech: bool = False,
    session_id: str | None = None,
) -> tuple[CallRecord, BufferSink]:
    """Play ``utterances`` as one call; returns the record and the agent's audio.

    ``fast_speech`` feeds the caller's speech as fast as the pipeline takes it (the silence
    after it still in real time, so the end-of-speech clock is unchanged): a benchmark's
    turns then cost the agent's answer time, not the caller's talking time.
    """
    sink = BufferSink(ledger or LatencyLedger(), SAMPLE_RATE)
    frames: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=50)
    sid = session_id or str(uuid.uuid4())
    call = asyncio.create_task(
        run_call(stack, session_id=sid, frames=frames, sample_rate=SAMPLE_RATE, sink=sink)
    )
    silence = bytes(FRAME_BYTES)
    period = FRAME_MS / 1000 if realtime else 0.0

    async def pace(frame: bytes, *, speech: bool = False) -> None:
        await frames.put(frame)
        if period and not (speech and fast_speech):
            await asyncio.sleep(period)
        else:
            await asyncio.sleep(0)

    async def answered(heard: int) -> None:
        deadline = time.monotonic() + ANSWER_TIMEOUT_S
        while time.monotonic() < deadline and not call.done():
            if len(sink.audio) > heard and not sink.playing():
                quiet_since = time.perf_counter() - sink.audio[-1][0]
                if quiet_since > 0.3:
                    return
            await pace(silence)

    await answered(0)
    for utterance in utterances:
        pcm = utterance.resampled(SAMPLE_RATE).pcm
        heard = len(sink.audio)
        for start in range(0, len(pcm), FRAME_BYTES):
            await pace(pcm[start : start + FRAME_BYTES].ljust(FRAME_BYTES, b"\0"), speech=True)
        for _ in range(int(TAIL_S * 1000 / FRAME_MS)):
            await pace(silence)
        await answered(heard)
    await frames.put(None)
    return await call, sink


__all__ = ["local_call"]
