"""One voice stack for the SIPp tests: a seeded desk, the agent, Whisper and a TTS."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from colloquy.agent.engine.factory import build_agent
from colloquy.agent.voice.pipeline import VoiceStack
from colloquy.agent.voice.setup import SpeechChoice, voice_stack
from colloquy.desk import seed_desk
from colloquy.features.embeddings import SentenceEmbedder
from colloquy.storage import Store


@pytest.fixture(scope="module")
def desk_store() -> Iterator[Store]:
    with tempfile.TemporaryDirectory(prefix="colloquy-voice-") as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'desk.db'}")
        with store:
            seed_desk(store)
            yield store


@pytest.fixture(scope="module")
def voice(desk_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoiceStack]:
    engine = build_agent(desk_store, SentenceEmbedder())
    models = tmp_path_factory.mktemp("voice-models")
    stack = voice_stack(engine, models, SpeechChoice(stt="whisper", tts="espeak"))
    yield stack
    engine.parts.tools.close()
    stack.speech_threads.shutdown(wait=False)
