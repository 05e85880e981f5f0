"""colloquy's Pipecat processors under Pipecat's own frame-level harness, on the real desk."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from pipecat.frames.frames import (
    InputAudioRawFrame,
    InterruptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.tests.utils import SleepFrame, run_test

from colloquy.agent.engine.engine import AgentEngine
from colloquy.agent.turn import EventKind
from colloquy.agent.voice.audio import Audio
from colloquy.agent.voice.localcall import local_call
from colloquy.agent.voice.pipeline import VoiceStack
from colloquy.agent.voice.pipeline.build import silero_vad, smart_turn_v3
from colloquy.agent.voice.pipeline.frames import (
    CallerTextFrame,
    SentenceFrame,
    SpeculativeUtteranceFrame,
    SpeechFrame,
    UtteranceFrame,
)
from colloquy.agent.voice.pipeline.journey import CallState, JourneyProcessor
from colloquy.agent.voice.pipeline.latency import STAGES, LatencyLedger, TurnClock, VoiceMetrics
from colloquy.agent.voice.pipeline.sink import BufferSink
from colloquy.agent.voice.pipeline.speech import SpeakProcessor
from colloquy.agent.voice.pipeline.turns import TurnDetector
from colloquy.agent.voice.stt import SpeechToText, Transcript
from colloquy.agent.voice.tts import offline_voice


class StandInSTT(SpeechToText):
    """Not a model: hears the one line this test plays (the speech models are tested apart)."""

    name = "stand-in"

    def transcribe(self, audio: Audio) -> Transcript:
        return Transcript("Is flood damage covered by home insurance?", 0.0, self.name)


def _said(frames: object) -> list[str]:
    return [f.text for f in frames if isinstance(f, SentenceFrame)]  # type: ignore[attr-defined]


def _replies(engine: AgentEngine, sid: str) -> list[dict[str, object]]:
    events = engine.parts.audit.events(sid)  # type: ignore[attr-defined]
    return [json.loads(e.payload) for e in events if e.kind is EventKind.REPLY]


def _caller(text: str, turn: int) -> CallerTextFrame:
    return CallerTextFrame(text=text, clock=TurnClock(turn, 0.0))


def test_a_call_with_tool_calls(engine: AgentEngine) -> None:
    sid = str(uuid.uuid4())
    lines = [
        "Hi, I'd like to know the status of my claim.",
        "My number is 555-0100.",
        "I was born on March 12, 1984.",
        "It's CLM-2026-00002.",
    ]
    frames: list[object] = []
    for turn, line in enumerate(lines, start=1):
        frames += [_caller(line, turn), SleepFrame(sleep=1.5)]
    down, _ = asyncio.run(
        run_test(JourneyProcessor(engine, sid, CallState()), frames_to_send=frames)  # type: ignore[arg-type]
    )
    spoken = " ".join(_said(down))
    assert "recorded" in spoken
    assert "CLM-2026-00002" in spoken
    events = engine.parts.audit.events(sid)  # type: ignore[attr-defined]
    tools = [json.loads(e.payload)["tool"] for e in events if e.kind is EventKind.TOOL_CALL]
    assert tools == ["verify_customer_identity", "get_claim_status"]
    assert events[-1].kind is EventKind.SESSION_ENDED


def test_barge_in_ends_the_reply_as_interrupted(engine: AgentEngine) -> None:
    sid = str(uuid.uuid4())
    sink = BufferSink(LatencyLedger())
    pipeline = Pipeline(
        [
            JourneyProcessor(engine, sid, CallState(sink)),
            SpeakProcessor(offline_voice("espeak")),
            sink,
        ]
    )
    frames = [
        SleepFrame(sleep=0.5),
        _caller("Is flood damage covered by home insurance?", 1),
        SleepFrame(sleep=0.8),
        InterruptionFrame(),
        SleepFrame(sleep=0.5),
    ]
    asyncio.run(run_test(pipeline, frames_to_send=frames))
    greeting, answer = _replies(engine, sid)
    assert greeting.get("interrupted") in (None, False)
    assert answer["interrupted"] is True
    assert answer["text"]
    assert len(str(answer["text"])) < 200


@pytest.mark.slow
def test_a_local_call_records_stage_timings_in_the_audit(engine: AgentEngine) -> None:
    tts = offline_voice("espeak")
    stack = VoiceStack(engine, StandInSTT(), tts)
    sid = str(uuid.uuid4())
    record, sink = asyncio.run(
        local_call(
            stack, [tts.synthesize("Is flood damage covered by home insurance?")], session_id=sid
        )
    )
    assert [line.role for line in record.lines] == ["agent", "caller", "agent"]
    (timings,) = record.turns
    assert timings.total > 0
    events = engine.parts.audit.events(sid)  # type: ignore[attr-defined]
    (voice,) = [json.loads(e.payload) for e in events if e.kind is EventKind.VOICE_TIMING]
    assert voice["transcript"] == "Is flood damage covered by home insurance?"
    assert set(voice) >= {f"{stage}_ms" for stage in STAGES} | {"total_ms"}
    assert sink.audio


def test_turn_detector_hears_a_turn_and_barges_in() -> None:
    speech = offline_voice("espeak").synthesize("I would like to file a new claim please.")
    pcm = (Audio.silence(0.5, 16000) + speech + Audio.silence(2.0, 16000)).resampled(16000).pcm
    step = 640
    frames = [
        InputAudioRawFrame(audio=pcm[i : i + step], sample_rate=16000, num_channels=1)
        for i in range(0, len(pcm) - step + 1, step)
    ]
    detector = TurnDetector(silero_vad(), smart_turn_v3(), replying=lambda: True, sample_rate=16000)
    down, _ = asyncio.run(run_test(detector, frames_to_send=frames))
    kinds = [type(f) for f in down]
    assert kinds[:2] == [UserStartedSpeakingFrame, InterruptionFrame]
    assert UserStoppedSpeakingFrame in kinds
    (utterance,) = [f for f in down if isinstance(f, UtteranceFrame)]
    guesses = [f for f in down if isinstance(f, SpeculativeUtteranceFrame)]
    assert guesses
    # The utterance reuses the last guess unless the VAD heard speech again after it (then
    # the turn is transcribed afresh); which happens can flip on a VAD score near the
    # threshold, so both are accepted — but a reused guess must be that guess's audio.
    assert utterance.speculation in (None, guesses[-1].speculation)
    if utterance.speculation is not None:
        assert utterance.audio.pcm.startswith(guesses[-1].audio.pcm)
    assert 1.5 < utterance.audio.seconds < speech.seconds + 1.5
    marks = utterance.clock.marks
    assert marks["speech_end"] < marks["vad_stop"] <= marks["turn_decision"]


def test_sink_closes_the_turn_at_its_first_audio() -> None:
    metrics = VoiceMetrics()
    ledger = LatencyLedger(metrics)
    clock = TurnClock(1, 100.0)
    for offset, stage in enumerate(STAGES[:-1]):
        clock.mark(stage, 100.0 + 0.1 * (offset + 1))
    frame = SpeechFrame(audio=Audio.silence(0.2, 16000), clock=clock, first=True)
    sink = BufferSink(ledger)
    asyncio.run(run_test(sink, frames_to_send=[frame]))
    (timings,) = ledger.turns
    assert round(timings.vad_stop) == 100
    assert timings.total > 500
    assert metrics.registry.get_sample_value("voice_response_seconds_count") == 1.0
    for stage in ("engine", "llm_first_token", "validator"):
        assert round(getattr(timings, stage)) == 100
        count = metrics.registry.get_sample_value("voice_stage_seconds_count", {"stage": stage})
        assert count == 1.0
    assert len(sink.audio) == 1
