"""Load the voice stack for a store: the agent engine plus the chosen offline speech models."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from colloquy.agent.engine.engine import AgentEngine
from colloquy.agent.voice.pipeline.build import VoiceStack
from colloquy.agent.voice.stt import speech_to_text
from colloquy.agent.voice.tts import text_to_speech


@dataclass(frozen=True, slots=True)
class SpeechChoice:
    stt: str = "whisper"
    tts: str = "piper"
    smart_turn: bool = True


def voice_stack(engine: AgentEngine, models_dir: Path, choice: SpeechChoice) -> VoiceStack:
    from colloquy.agent.voice.pipeline.build import smart_turn_v3

    return VoiceStack(
        engine,
        speech_to_text(choice.stt, models_dir),
        text_to_speech(choice.tts),
        turn_model=smart_turn_v3 if choice.smart_turn else None,
    )


__all__ = ["SpeechChoice", "voice_stack"]
