"""One call's Pipecat pipeline, from caller audio frames to the sink, run to its end.

caller PCM → :class:`TurnDetector` (Silero VAD + smart-turn v3) → :class:`TranscribeProcessor`
→ :class:`JourneyProcessor` (the agent engine, validated sentences) → :class:`SpeakProcessor`
→ sink (RTP or buffer). The speech models are loaded once per process
(:class:`VoiceStack`) and shared by every call; VAD and turn state are per call. A cloud
engine is a Pipecat service made for the call, placed right after its stage, with the call's
HTTP session (one per call, opened whatever the engines).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import aiohttp
from pipecat.audio.turn.base_turn_analyzer import BaseTurnAnalyzer
from pipecat.audio.vad.vad_analyzer import VADAnalyzer
from pipecat.frames.frames import EndFrame, InputAudioRawFrame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.workers.runner import WorkerRunner

from colloquy.agent.engine.engine import AgentEngine
from colloquy.agent.turn import EventKind
from colloquy.agent.voice.pipeline.journey import CallState, JourneyProcessor, SpokenLine
from colloquy.agent.voice.pipeline.latency import TurnTimings
from colloquy.agent.voice.pipeline.services import (
    ServiceSpeakProcessor,
    ServiceTranscribeProcessor,
)
from colloquy.agent.voice.pipeline.sink import AudioSink
from colloquy.agent.voice.pipeline.speech import SpeakProcessor, TranscribeProcessor
from colloquy.agent.voice.pipeline.turns import TurnDetector
from colloquy.agent.voice.stt.base import SpeechToText
from colloquy.agent.voice.stt.service import ServiceSTT
from colloquy.agent.voice.tts.base import TextToSpeech
from colloquy.agent.voice.tts.service import ServiceTTS
from colloquy.errors import NotFoundError


def silero_vad() -> VADAnalyzer:
    from pipecat.audio.vad.silero import SileroVADAnalyzer

    return SileroVADAnalyzer()


TURN_STOP_S = 1.2
"""Silence after which a turn ends even when smart-turn judged it unfinished (Pipecat's own
default is 3 s; synthetic and telephone speech often reads as unfinished to the model)."""


def smart_turn_v3() -> BaseTurnAnalyzer:
    from pipecat.audio.turn.smart_turn.base_smart_turn import SmartTurnParams
    from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3

    return LocalSmartTurnAnalyzerV3(params=SmartTurnParams(stop_secs=TURN_STOP_S))


@dataclass(frozen=True)
class VoiceStack:
    """What every call shares: the engine, the speech models, a pool for their threads."""

    engine: AgentEngine
    stt: SpeechToText | ServiceSTT
    tts: TextToSpeech | ServiceTTS
    vad: Callable[[], VADAnalyzer] = silero_vad
    turn_model: Callable[[], BaseTurnAnalyzer | None] | None = smart_turn_v3
    speech_threads: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(4, thread_name_prefix="voice-speech")
    )


@dataclass(frozen=True, slots=True)
class CallRecord:
    session_id: str
    lines: tuple[SpokenLine, ...]
    turns: tuple[TurnTimings, ...]


async def run_call(
    stack: VoiceStack,
    *,
    session_id: str,
    frames: asyncio.Queue[bytes | None],
    sample_rate: int,
    sink: AudioSink,
) -> CallRecord:
    """Play ``frames`` (the caller's PCM; ``None`` ends the call) through the pipeline."""
    state = CallState(sink)
    audit = stack.engine.parts.audit

    def record(timings: TurnTimings) -> None:
        payload = json.dumps(
            {
                "voice_turn": timings.turn,
                "transcript": timings.transcript,
                **{f"{k}_ms": round(v, 1) for k, v in timings.stages().items()},
                "total_ms": round(timings.total, 1),
            }
        )
        try:
            turn = stack.engine.sessions.get(session_id).turn
        except NotFoundError:
            return
        audit.record(session_id, turn, EventKind.VOICE_TIMING, payload, timings.total)

    sink.on_turn = record
    first_turn = len(sink.ledger.turns)
    detector = TurnDetector(
        stack.vad(),
        stack.turn_model() if stack.turn_model is not None else None,
        replying=lambda: state.thinking or sink.playing(),
        sample_rate=sample_rate,
    )
    async with aiohttp.ClientSession() as http:
        pipeline = Pipeline(
            [
                detector,
                *_hearing(stack, http),
                JourneyProcessor(stack.engine, session_id, state),
                *_speaking(stack, http),
                sink,
            ]
        )
        await _run(pipeline, frames, sample_rate)
    mine = tuple(t for t in sink.ledger.turns[first_turn:])
    return CallRecord(session_id, tuple(state.lines), mine)


def _hearing(stack: VoiceStack, http: aiohttp.ClientSession) -> list[FrameProcessor]:
    if isinstance(stack.stt, ServiceSTT):
        service = stack.stt.make(http)
        return [ServiceTranscribeProcessor(service, stack.stt.name), service]
    return [TranscribeProcessor(stack.stt, stack.speech_threads)]


def _speaking(stack: VoiceStack, http: aiohttp.ClientSession) -> list[FrameProcessor]:
    if isinstance(stack.tts, ServiceTTS):
        service = stack.tts.make(http)
        return [ServiceSpeakProcessor(service, stack.tts.name), service]
    return [SpeakProcessor(stack.tts, stack.speech_threads)]


async def _run(pipeline: Pipeline, frames: asyncio.Queue[bytes | None], sample_rate: int) -> None:
    worker = PipelineWorker(
        pipeline,
        params=PipelineParams(audio_in_sample_rate=sample_rate, audio_out_sample_rate=sample_rate),
        cancel_on_idle_timeout=False,
    )
    runner = WorkerRunner(handle_sigint=False, check_dangling_tasks=False)
    await runner.add_workers(worker)

    async def feed() -> None:
        while (pcm := await frames.get()) is not None:
            await worker.queue_frame(
                InputAudioRawFrame(audio=pcm, sample_rate=sample_rate, num_channels=1)
            )
        await worker.queue_frame(EndFrame())

    await asyncio.gather(runner.run(), feed())


__all__ = ["CallRecord", "VoiceStack", "run_call", "silero_vad", "smart_turn_v3"]
