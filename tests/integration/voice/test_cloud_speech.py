"""Cloud speech engines end to end: a local call whose STT and TTS are Pipecat's own service
classes, pointed by ``voice.*`` settings at a fake of the hosted APIs on loopback."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
from pipecat.frames.frames import Frame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.tests.utils import run_test
from pydantic import SecretStr
from tests.integration.voice.fake_speech_api import FakeSpeechApi

from colloquy.agent.engine.engine import AgentEngine
from colloquy.agent.voice.config import CloudSpeechSettings, VoiceSettings
from colloquy.agent.voice.localcall import local_call
from colloquy.agent.voice.pipeline.build import CallRecord
from colloquy.agent.voice.pipeline.frames import (
    CallerTextFrame,
    SentenceFrame,
    SpeechFrame,
    UtteranceFrame,
)
from colloquy.agent.voice.pipeline.latency import TurnClock
from colloquy.agent.voice.pipeline.services import (
    ServiceSpeakProcessor,
    ServiceTranscribeProcessor,
)
from colloquy.agent.voice.setup import SpeechChoice, voice_stack
from colloquy.agent.voice.stt import ServiceSTT, speech_to_text
from colloquy.agent.voice.tts import ServiceTTS, offline_voice, text_to_speech
from colloquy.agent.voice.tts.espeak import EspeakTTS

LINE = "Is flood damage covered by home insurance?"
KEY = "test-key-123"
FAST_WPM = 450
"""The fake's voice talks fast: the agent's answer is played out in real time."""


def _provider(base_url: str, **extra: str) -> CloudSpeechSettings:
    return CloudSpeechSettings.model_validate({"api_key": KEY, "base_url": base_url, **extra})


async def _call(
    engine: AgentEngine, models: Path, stt: str, tts: str, providers: dict[str, dict[str, str]]
) -> tuple[FakeSpeechApi, CallRecord]:
    caller = offline_voice("espeak")
    fake = FakeSpeechApi(KEY, EspeakTTS(words_per_minute=FAST_WPM), [LINE])
    url = await fake.start()
    try:
        sections = {
            name: _provider(url + ("/v1" if name == "openai" else ""), **extra)
            for name, extra in providers.items()
        }
        settings = VoiceSettings.model_validate({"stt": stt, "tts": tts, **sections})
        stack = voice_stack(engine, models, SpeechChoice(stt, tts, False, settings))
        assert isinstance(stack.stt, ServiceSTT)
        assert isinstance(stack.tts, ServiceTTS)
        record, sink = await local_call(
            stack, [caller.synthesize(LINE)], session_id=str(uuid.uuid4()), fast_speech=True
        )
        assert sink.audio, "the agent said nothing"
        return fake, record
    finally:
        await fake.stop()


def _check(fake: FakeSpeechApi, record: CallRecord) -> None:
    assert fake.refusals == 0
    (upload,) = fake.uploads
    assert upload.audio.sample_rate == 16000
    assert 1.0 < upload.audio.seconds < 10.0
    assert [line.role for line in record.lines] == ["agent", "caller", "agent"]
    assert record.lines[1].text == LINE
    assert "Flood and storm damage" in record.lines[-1].text
    spoken = " ".join(s.text for s in fake.spoken)
    assert "Flood and storm damage" in spoken
    (turn,) = record.turns
    assert turn.transcript == LINE
    assert turn.total > 0


def test_openai_speech_to_text_and_text_to_speech(engine: AgentEngine, tmp_path: Path) -> None:
    fake, record = asyncio.run(
        _call(
            engine,
            tmp_path,
            "openai",
            "openai",
            {"openai": {"stt_model": "whisper-1", "tts_model": "tts-1", "tts_voice": "nova"}},
        )
    )
    _check(fake, record)
    assert fake.uploads[0].model == "whisper-1"
    assert fake.uploads[0].language == "en"
    assert {(s.provider, s.model, s.voice, s.sample_rate) for s in fake.spoken} == {
        ("openai", "tts-1", "nova", 24000)
    }


@pytest.mark.slow
def test_elevenlabs_speech_to_text_with_cartesia_speech(
    engine: AgentEngine, tmp_path: Path
) -> None:
    fake, record = asyncio.run(
        _call(
            engine,
            tmp_path,
            "elevenlabs",
            "cartesia",
            {"elevenlabs": {}, "cartesia": {"tts_voice": "voice-abc", "tts_model": "sonic-2"}},
        )
    )
    _check(fake, record)
    assert fake.uploads[0].provider == "elevenlabs"
    assert {(s.provider, s.model, s.voice, s.sample_rate) for s in fake.spoken} == {
        ("cartesia", "sonic-2", "voice-abc", 16000)
    }


@pytest.mark.slow
def test_elevenlabs_text_to_speech(engine: AgentEngine, tmp_path: Path) -> None:
    fake, record = asyncio.run(
        _call(
            engine,
            tmp_path,
            "openai",
            "elevenlabs",
            {"openai": {}, "elevenlabs": {"tts_voice": "voice-xyz"}},
        )
    )
    _check(fake, record)
    assert {(s.provider, s.voice, s.sample_rate) for s in fake.spoken} == {
        ("elevenlabs", "voice-xyz", 16000)
    }


def _stage(
    settings: VoiceSettings, kind: str, name: str, frame: Frame
) -> Callable[[aiohttp.ClientSession], list[FrameProcessor]]:
    def build(http: aiohttp.ClientSession) -> list[FrameProcessor]:
        if kind == "stt":
            stt = speech_to_text(name, Path(), settings)
            assert isinstance(stt, ServiceSTT)
            hearing = stt.make(http)
            return [ServiceTranscribeProcessor(hearing, name), hearing]
        tts = text_to_speech(name, settings)
        assert isinstance(tts, ServiceTTS)
        speaking = tts.make(http)
        return [ServiceSpeakProcessor(speaking, name), speaking]

    return build


async def _one_frame(
    key: str, kind: str, name: str, extra: dict[str, str], frame: Frame
) -> tuple[FakeSpeechApi, list[Frame]]:
    fake = FakeSpeechApi(KEY, EspeakTTS(words_per_minute=FAST_WPM), [LINE])
    url = await fake.start()
    try:
        section = _provider(url + ("/v1" if name == "openai" else ""), **extra)
        section = section.model_copy(update={"api_key": SecretStr(key)})
        settings = VoiceSettings.model_validate({name: section})
        async with aiohttp.ClientSession() as http:
            processors = _stage(settings, kind, name, frame)(http)
            down, _ = await run_test(Pipeline(processors), frames_to_send=[frame])
        return fake, list(down)
    finally:
        await fake.stop()


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("openai", {}),
        ("cartesia", {"tts_voice": "v-1"}),
        ("elevenlabs", {"tts_voice": "v-2"}),
        ("deepgram", {"tts_voice": "aura-2-thalia-en"}),
    ],
)
def test_each_text_to_speech_service_speaks_a_sentence(name: str, extra: dict[str, str]) -> None:
    sentence = SentenceFrame(text="Your claim is recorded.", clock=TurnClock(1, 0.0), first=True)
    fake, down = asyncio.run(_one_frame(KEY, "tts", name, extra, sentence))
    speech = [f for f in down if isinstance(f, SpeechFrame)]
    assert [f.ends_sentence for f in speech] == [False] * (len(speech) - 1) + [True]
    chunks = [f.first for f in speech if f.audio.pcm]
    assert chunks == [True] + [False] * (len(chunks) - 1)
    assert not speech[-1].audio.pcm
    heard = b"".join(f.audio.pcm for f in speech)
    assert len(heard) / 2 / fake.spoken[0].sample_rate > 0.3
    assert {f.audio.sample_rate for f in speech[:-1]} == {fake.spoken[0].sample_rate}
    assert [s.text for s in fake.spoken] == ["Your claim is recorded."]
    assert sentence.clock is not None
    assert sentence.clock.has("tts_first_audio")


@pytest.mark.parametrize("name", ["openai", "elevenlabs"])
def test_each_speech_to_text_service_hears_an_utterance(name: str) -> None:
    audio = offline_voice("espeak").synthesize(LINE)
    utterance = UtteranceFrame(audio=audio, clock=TurnClock(1, 0.0))
    fake, down = asyncio.run(_one_frame(KEY, "stt", name, {}, utterance))
    (text,) = [f for f in down if isinstance(f, CallerTextFrame)]
    assert text.text == LINE
    assert text.clock.has("stt")
    (upload,) = fake.uploads
    assert upload.provider == name
    assert abs(upload.audio.seconds - audio.seconds) < 0.1


@pytest.mark.parametrize(
    ("kind", "name"), [("stt", "openai"), ("stt", "elevenlabs"), ("tts", "cartesia")]
)
def test_a_refused_request_is_logged_not_raised(kind: str, name: str) -> None:
    frame: Frame
    if kind == "stt":
        frame = UtteranceFrame(
            audio=offline_voice("espeak").synthesize(LINE), clock=TurnClock(1, 0.0)
        )
    else:
        frame = SentenceFrame(text="Hello.", clock=None)
    extra = {"tts_voice": "v-1"} if kind == "tts" else {}
    fake, down = asyncio.run(_one_frame("a-wrong-key", kind, name, extra, frame))
    assert fake.refusals == 1
    assert not [f for f in down if isinstance(f, CallerTextFrame)]
    for speech in (f for f in down if isinstance(f, SpeechFrame)):
        assert speech.audio.seconds == 0
