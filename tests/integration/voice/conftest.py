"""One voice stack for the SIPp tests: a seeded desk, the agent, Whisper and a TTS."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from colloquy.agent.engine.engine import AgentEngine
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
def engine(desk_store: Store, torch_embedder: SentenceEmbedder) -> Iterator[AgentEngine]:
    agent = build_agent(desk_store, torch_embedder)
    yield agent
    agent.parts.tools.close()


@pytest.fixture(scope="module")
def voice(engine: AgentEngine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoiceStack]:
    models = tmp_path_factory.mktemp("voice-models")
    stack = voice_stack(engine, models, SpeechChoice(stt="whisper", tts="espeak"))
    yield stack
    stack.speech_threads.shutdown(wait=False)
