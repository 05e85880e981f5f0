"""Load the voice stack for a store: the agent engine plus the chosen speech engines."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from colloquy.agent.engine.engine import AgentEngine
from colloquy.agent.voice.config import VoiceSettings
from colloquy.agent.voice.pipeline.build import VoiceStack
from colloquy.agent.voice.stt import speech_to_text
from colloquy.agent.voice.tts import text_to_speech


@dataclass(frozen=True, slots=True)
class SpeechChoice:
    """Engine names (offline or cloud) and the ``voice.*`` settings a cloud engine reads."""

    stt: str = "whisper"
    tts: str = "piper"
    smart_turn: bool = True
    settings: VoiceSettings = field(default_factory=VoiceSettings)


def speech_choice(
    settings: VoiceSettings, stt: str | None = None, tts: str | None = None
) -> SpeechChoice:
    """The engines named on a command line, else those of ``voice.stt`` / ``voice.tts``."""
    return SpeechChoice(stt or settings.stt, tts or settings.tts, settings=settings)


def voice_stack(engine: AgentEngine, models_dir: Path, choice: SpeechChoice) -> VoiceStack:
    from colloquy.agent.voice.pipeline.build import smart_turn_v3

    return VoiceStack(
        engine,
        speech_to_text(choice.stt, models_dir, choice.settings),
        text_to_speech(choice.tts, choice.settings),
        turn_model=smart_turn_v3 if choice.smart_turn else None,
    )


__all__ = ["SpeechChoice", "speech_choice", "voice_stack"]
