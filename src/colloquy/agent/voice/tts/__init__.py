"""Text-to-speech adapters behind one seam; :func:`text_to_speech` picks one by name."""

from __future__ import annotations

from colloquy.agent.voice.tts.base import TextToSpeech
from colloquy.errors import ConfigError

TTS_ENGINES = ("piper", "espeak")


def text_to_speech(name: str) -> TextToSpeech:
    if name == "piper":
        from colloquy.agent.voice.tts.piper import PiperTTS

        return PiperTTS()
    if name == "espeak":
        from colloquy.agent.voice.tts.espeak import EspeakTTS

        return EspeakTTS()
    raise ConfigError(
        f"unknown text-to-speech engine {name!r}", hint=f"use one of {', '.join(TTS_ENGINES)}"
    )


__all__ = ["TTS_ENGINES", "TextToSpeech", "text_to_speech"]
