"""The speech stages over hosted services, through Pipecat's own service classes.

The service processor itself sits in the call's pipeline right after its stage, so Pipecat
runs its lifecycle (it learns the call's sample rates, opens its HTTP session at the start,
closes it at the end) exactly as in any Pipecat bot. The stage then asks it for one finished
utterance or one validated sentence at a time through the class's own request method
(``run_stt`` / ``run_tts``), which keeps each answer tied to its turn's clock: a transcript
that comes back empty or as an error cannot be mistaken for the next turn's. Speech goes on
chunk by chunk as the service streams it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncGenerator
from contextlib import aclosing

from pipecat.frames.frames import ErrorFrame, TranscriptionFrame, TTSAudioRawFrame
from pipecat.services.stt_service import SegmentedSTTService
from pipecat.services.tts_service import TTSService

from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.pipeline.speech import Speaker, Transcriber
from colloquy.agent.voice.stt.base import Transcript
from colloquy.logging import get_logger

log = get_logger(__name__)


class ServiceTranscribeProcessor(Transcriber):
    """Sends each utterance to a segmented (upload a WAV, get the text) STT service."""

    def __init__(self, service: SegmentedSTTService, name: str) -> None:
        super().__init__()
        self.service = service
        self._name = name

    async def _transcribe(self, audio: Audio) -> Transcript:
        began = time.perf_counter()
        rate = self.service.sample_rate or audio.sample_rate
        texts: list[str] = []
        async with aclosing(self.service.run_stt(audio.resampled(rate).to_wav())) as frames:
            async for frame in frames:
                if isinstance(frame, TranscriptionFrame):
                    texts.append(frame.text.strip())
                elif isinstance(frame, ErrorFrame):
                    log.warning("voice_stt_service_failed", engine=self._name, error=frame.error)
        text = " ".join(t for t in texts if t)
        return Transcript(text, (time.perf_counter() - began) * 1e3, self._name)


class ServiceSpeakProcessor(Speaker):
    """Asks an HTTP TTS service for each sentence and passes its audio on chunk by chunk.

    A sentence the service fails on is logged and ends with what came (maybe nothing), so
    the reply goes on with the next sentence instead of holding the turn until it stalls.
    """

    def __init__(self, service: TTSService, name: str) -> None:
        super().__init__()
        self.service = service
        self._name = name

    async def _chunks(self, text: str) -> AsyncGenerator[tuple[Audio, bool], None]:
        rate = self.service.sample_rate
        async with aclosing(self.service.run_tts(text, str(uuid.uuid4()))) as frames:
            async for frame in frames:
                if isinstance(frame, TTSAudioRawFrame) and frame.audio:
                    rate = frame.sample_rate
                    yield Audio(frame.audio, frame.sample_rate), False
                elif isinstance(frame, ErrorFrame):
                    log.warning("voice_tts_service_failed", engine=self._name, error=frame.error)
        yield Audio(b"", rate), True


__all__ = ["ServiceSpeakProcessor", "ServiceTranscribeProcessor"]
