"""Speech-to-text adapters behind one seam; :func:`speech_to_text` picks one by name."""

from __future__ import annotations

from pathlib import Path

from colloquy.agent.voice.stt.base import SpeechToText, Transcript
from colloquy.errors import ConfigError

STT_ENGINES = ("whisper", "pocketsphinx")


def speech_to_text(name: str, models_dir: Path) -> SpeechToText:
    if name == "whisper":
        from colloquy.agent.voice.stt.whisper import WhisperSTT

        return WhisperSTT(models_dir)
    if name == "pocketsphinx":
        from colloquy.agent.voice.stt.pocketsphinx import PocketSphinxSTT

        return PocketSphinxSTT()
    raise ConfigError(
        f"unknown speech-to-text engine {name!r}", hint=f"use one of {', '.join(STT_ENGINES)}"
    )


__all__ = ["STT_ENGINES", "SpeechToText", "Transcript", "speech_to_text"]
