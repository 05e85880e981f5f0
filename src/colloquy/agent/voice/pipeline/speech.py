"""The speech stages as processors: an utterance to its transcript, a sentence to its audio.

The models run in a worker thread so the event loop keeps feeding audio (and hearing a
barge-in) while they work; an interruption cancels the waiting processor, and what the
thread still returns is dropped.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor

from pipecat.frames.frames import Frame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from colloquy.agent.voice.pipeline.frames import (
    CallerTextFrame,
    SentenceFrame,
    SpeechFrame,
    UtteranceFrame,
)
from colloquy.agent.voice.stt.base import SpeechToText
from colloquy.agent.voice.tts.base import TextToSpeech
from colloquy.logging import get_logger

log = get_logger(__name__)


class TranscribeProcessor(FrameProcessor):
    def __init__(self, stt: SpeechToText, executor: Executor | None = None) -> None:
        super().__init__()
        self._stt = stt
        self._executor = executor

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if not isinstance(frame, UtteranceFrame):
            await self.push_frame(frame, direction)
            return
        loop = asyncio.get_running_loop()
        transcript = await loop.run_in_executor(self._executor, self._stt.transcribe, frame.audio)
        frame.clock.mark("stt")
        frame.clock.transcript = transcript.text
        if transcript.text.strip():
            await self.push_frame(CallerTextFrame(text=transcript.text, clock=frame.clock))
        else:
            log.info("voice_empty_transcript", turn=frame.clock.turn)


class SpeakProcessor(FrameProcessor):
    def __init__(self, tts: TextToSpeech, executor: Executor | None = None) -> None:
        super().__init__()
        self._tts = tts
        self._executor = executor

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if not isinstance(frame, SentenceFrame):
            await self.push_frame(frame, direction)
            return
        loop = asyncio.get_running_loop()
        audio = await loop.run_in_executor(self._executor, self._tts.synthesize, frame.text)
        if frame.clock is not None and frame.first:
            frame.clock.mark("tts_first_audio")
        await self.push_frame(SpeechFrame(audio=audio, clock=frame.clock, first=frame.first))


__all__ = ["SpeakProcessor", "TranscribeProcessor"]
