"""The speech stages as processors: an utterance to its transcript, a sentence to its audio.

The offline models run in a worker thread so the event loop keeps feeding audio (and
hearing a barge-in) while they work; an interruption cancels the waiting processor, and
what the thread still returns is dropped. The stages that reach a hosted service instead
(:mod:`colloquy.agent.voice.pipeline.services`) replace only how one utterance or sentence
is turned over, so the clock marks and the speculative transcript work the same for both.
"""

from __future__ import annotations

import asyncio
from abc import abstractmethod
from collections.abc import AsyncGenerator
from concurrent.futures import Executor
from contextlib import aclosing

from pipecat.frames.frames import Frame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.pipeline.frames import (
    CallerTextFrame,
    SentenceFrame,
    SpeculativeUtteranceFrame,
    SpeechFrame,
    UtteranceFrame,
)
from colloquy.agent.voice.stt.base import SpeechToText, Transcript
from colloquy.agent.voice.tts.base import TextToSpeech
from colloquy.logging import get_logger

log = get_logger(__name__)


class Transcriber(FrameProcessor):
    """A finished caller turn's audio in, its transcript out as a :class:`CallerTextFrame`."""

    def __init__(self) -> None:
        super().__init__()
        self._guess: tuple[int, Transcript] | None = None

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, SpeculativeUtteranceFrame):
            self._guess = (frame.speculation, await self._transcribe(frame.audio))
            return
        if not isinstance(frame, UtteranceFrame):
            await self.push_frame(frame, direction)
            return
        guess, self._guess = self._guess, None
        if guess is not None and frame.speculation is not None and guess[0] == frame.speculation:
            transcript = guess[1]
        else:
            transcript = await self._transcribe(frame.audio)
        frame.clock.mark("stt")
        frame.clock.transcript = transcript.text
        if transcript.text.strip():
            await self.push_frame(CallerTextFrame(text=transcript.text, clock=frame.clock))
        else:
            log.info("voice_empty_transcript", turn=frame.clock.turn)

    @abstractmethod
    async def _transcribe(self, audio: Audio) -> Transcript:
        """The words in one utterance."""


class Speaker(FrameProcessor):
    """A validated sentence in, its audio out as :class:`SpeechFrame` s.

    A voice that streams passes each chunk on as it comes, so the caller hears the start of
    a sentence while the rest is still being made; the reply's first chunk is then the
    turn's first audio.
    """

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if not isinstance(frame, SentenceFrame):
            await self.push_frame(frame, direction)
            return
        first = frame.first
        async with aclosing(self._chunks(frame.text)) as chunks:
            async for audio, last in chunks:
                if frame.clock is not None and first:
                    frame.clock.mark("tts_first_audio")
                speech = SpeechFrame(
                    audio=audio, clock=frame.clock, first=first, ends_sentence=last
                )
                await self.push_frame(speech)
                first = first and not audio.pcm

    @abstractmethod
    def _chunks(self, text: str) -> AsyncGenerator[tuple[Audio, bool], None]:
        """The sentence spoken, in pieces, each with whether it is the last."""


class TranscribeProcessor(Transcriber):
    def __init__(self, stt: SpeechToText, executor: Executor | None = None) -> None:
        super().__init__()
        self._stt = stt
        self._executor = executor

    async def _transcribe(self, audio: Audio) -> Transcript:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._stt.transcribe, audio)


class SpeakProcessor(Speaker):
    def __init__(self, tts: TextToSpeech, executor: Executor | None = None) -> None:
        super().__init__()
        self._tts = tts
        self._executor = executor

    async def _chunks(self, text: str) -> AsyncGenerator[tuple[Audio, bool], None]:
        loop = asyncio.get_running_loop()
        yield await loop.run_in_executor(self._executor, self._tts.synthesize, text), True


__all__ = ["SpeakProcessor", "Speaker", "TranscribeProcessor", "Transcriber"]
