"""Text-to-speech behind one seam; :func:`text_to_speech` picks an engine by name.

The offline engines are :class:`TextToSpeech` voices shared by every call; a cloud engine
is a :class:`ServiceTTS`, a Pipecat service made for each call from ``voice.*`` settings.
:func:`offline_voice` is for what must speak outside a call (the caller of a test call).
"""

from __future__ import annotations

from colloquy.agent.voice.config import VoiceSettings
from colloquy.agent.voice.tts.base import TextToSpeech
from colloquy.agent.voice.tts.service import ServiceTTS
from colloquy.errors import ConfigError

OFFLINE_TTS = ("piper", "espeak")
CLOUD_TTS = ("openai", "cartesia", "elevenlabs", "deepgram")
TTS_ENGINES = (*OFFLINE_TTS, *CLOUD_TTS)


def offline_voice(name: str) -> TextToSpeech:
    if name == "piper":
        from colloquy.agent.voice.tts.piper import PiperTTS

        return PiperTTS()
    if name == "espeak":
        from colloquy.agent.voice.tts.espeak import EspeakTTS

        return EspeakTTS()
    raise ConfigError(
        f"unknown offline text-to-speech engine {name!r}",
        hint=f"use one of {', '.join(OFFLINE_TTS)}",
    )


def text_to_speech(name: str, voice: VoiceSettings | None = None) -> TextToSpeech | ServiceTTS:
    """The engine ``name``; a cloud one takes its key and options from ``voice``."""
    if name in OFFLINE_TTS:
        return offline_voice(name)
    settings = voice or VoiceSettings()
    if name == "openai":
        from colloquy.agent.voice.tts.openai import openai_tts

        return openai_tts(settings)
    if name == "cartesia":
        from colloquy.agent.voice.tts.cartesia import cartesia_tts

        return cartesia_tts(settings)
    if name == "elevenlabs":
        from colloquy.agent.voice.tts.elevenlabs import elevenlabs_tts

        return elevenlabs_tts(settings)
    if name == "deepgram":
        from colloquy.agent.voice.tts.deepgram import deepgram_tts

        return deepgram_tts(settings)
    raise ConfigError(
        f"unknown text-to-speech engine {name!r}",
        hint=f"use one of {', '.join(OFFLINE_TTS)} (offline) or {', '.join(CLOUD_TTS)} "
        "(cloud, with voice.<provider>.api_key)",
    )


__all__ = [
    "CLOUD_TTS",
    "OFFLINE_TTS",
    "TTS_ENGINES",
    "ServiceTTS",
    "TextToSpeech",
    "offline_voice",
    "text_to_speech",
]
