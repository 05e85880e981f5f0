"""Speech-to-text behind one seam; :func:`speech_to_text` picks an engine by name.

The offline engines are :class:`SpeechToText` models shared by every call; a cloud engine
is a :class:`ServiceSTT`, a Pipecat service made for each call from ``voice.*`` settings.
"""

from __future__ import annotations

from pathlib import Path

from colloquy.agent.voice.config import VoiceSettings
from colloquy.agent.voice.stt.base import SpeechToText, Transcript
from colloquy.agent.voice.stt.service import ServiceSTT
from colloquy.errors import ConfigError

OFFLINE_STT = ("whisper", "pocketsphinx")
CLOUD_STT = ("openai", "elevenlabs")
STT_ENGINES = (*OFFLINE_STT, *CLOUD_STT)


def speech_to_text(
    name: str, models_dir: Path, voice: VoiceSettings | None = None
) -> SpeechToText | ServiceSTT:
    """The engine ``name``; a cloud one takes its key and options from ``voice``."""
    if name == "whisper":
        from colloquy.agent.voice.stt.whisper import WhisperSTT

        return WhisperSTT(models_dir)
    if name == "pocketsphinx":
        from colloquy.agent.voice.stt.pocketsphinx import PocketSphinxSTT

        return PocketSphinxSTT()
    settings = voice or VoiceSettings()
    if name == "openai":
        from colloquy.agent.voice.stt.openai import openai_stt

        return openai_stt(settings)
    if name == "elevenlabs":
        from colloquy.agent.voice.stt.elevenlabs import elevenlabs_stt

        return elevenlabs_stt(settings)
    raise ConfigError(
        f"unknown speech-to-text engine {name!r}",
        hint=f"use one of {', '.join(OFFLINE_STT)} (offline) or {', '.join(CLOUD_STT)} "
        "(cloud, with voice.<provider>.api_key)",
    )


__all__ = [
    "CLOUD_STT",
    "OFFLINE_STT",
    "STT_ENGINES",
    "ServiceSTT",
    "SpeechToText",
    "Transcript",
    "speech_to_text",
]
