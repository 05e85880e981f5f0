"""Where the agent's speech goes: RTP to a phone, or a buffer for a local test call.

The sink closes each turn's clock at the first packet of the answer, and drops what is
still queued when the caller barges in. :attr:`AudioSink.delivered` counts whole sentences,
however many chunks a streaming voice sent each in.
"""

from __future__ import annotations

import asyncio
import time
from abc import abstractmethod
from collections.abc import Callable

from pipecat.frames.frames import Frame, InterruptionFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.g711 import SAMPLE_RATE
from colloquy.agent.voice.pipeline.frames import SpeechFrame
from colloquy.agent.voice.pipeline.latency import LatencyLedger, TurnTimings
from colloquy.agent.voice.rtp.session import RtpSession

FIRST_PACKET_WAIT_S = 0.25


class AudioSink(FrameProcessor):
    def __init__(self, ledger: LatencyLedger) -> None:
        super().__init__()
        self.ledger = ledger
        self.delivered = 0
        self.on_turn: Callable[[TurnTimings], None] | None = None

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InterruptionFrame):
            self.flush()
        elif isinstance(frame, SpeechFrame):
            if frame.audio.pcm or frame.first:
                sent = await self.deliver(frame.audio)
                if frame.first and frame.clock is not None:
                    frame.clock.mark("first_packet", sent)
                    timings = self.ledger.finish(frame.clock)
                    if timings is not None and self.on_turn is not None:
                        self.on_turn(timings)
            if frame.ends_sentence:
                self.delivered += 1
            return
        await self.push_frame(frame, direction)

    @abstractmethod
    async def deliver(self, audio: Audio) -> float:
        """Queue ``audio`` for playing; returns when its first packet went (perf_counter)."""

    @abstractmethod
    def flush(self) -> None:
        """Drop what is queued (barge-in)."""

    @abstractmethod
    def backlog_s(self) -> float:
        """Seconds of agent audio queued and not yet played."""

    def playing(self) -> bool:
        return self.backlog_s() > 0


class RtpSink(AudioSink):
    def __init__(self, ledger: LatencyLedger, media: RtpSession) -> None:
        super().__init__(ledger)
        self.media = media

    async def deliver(self, audio: Audio) -> float:
        before = len(self.media.counters.first_sent_at)
        idle = self.media.queued_ms == 0
        self.media.play(audio.resampled(SAMPLE_RATE).pcm)
        if not idle:
            return time.perf_counter()
        deadline = time.perf_counter() + FIRST_PACKET_WAIT_S
        while len(self.media.counters.first_sent_at) == before and time.perf_counter() < deadline:
            await asyncio.sleep(0.001)
        sent = self.media.counters.first_sent_at
        return sent[-1] if len(sent) > before else time.perf_counter()

    def flush(self) -> None:
        self.media.flush()

    def backlog_s(self) -> float:
        return self.media.queued_ms / 1000


class BufferSink(AudioSink):
    """A local call: audio is kept (for the transcript and a WAV) and "played" in real time."""

    def __init__(self, ledger: LatencyLedger, sample_rate: int = 16000) -> None:
        super().__init__(ledger)
        self.sample_rate = sample_rate
        self.audio: list[tuple[float, Audio]] = []
        self._until = 0.0

    async def deliver(self, audio: Audio) -> float:
        now = time.perf_counter()
        self.audio.append((now, audio.resampled(self.sample_rate)))
        self._until = max(self._until, now) + audio.seconds
        return now

    def flush(self) -> None:
        self._until = 0.0

    def backlog_s(self) -> float:
        return max(0.0, self._until - time.perf_counter())


__all__ = ["AudioSink", "BufferSink", "RtpSink"]
