"""OpenAI's speech API (or any server speaking it) through ``OpenAITTSService``.

The service asks for raw 24 kHz PCM and streams it back in chunks.
"""

from __future__ import annotations

import aiohttp
from pipecat.services.openai.tts import VALID_VOICES, OpenAITTSService

from colloquy.agent.voice.config import VoiceSettings, service_settings
from colloquy.agent.voice.tts.service import ServiceTTS
from colloquy.errors import ConfigError

SAMPLE_RATE = 24000


def openai_tts(voice: VoiceSettings) -> ServiceTTS:
    section = voice.provider("openai")
    if section.tts_voice is not None and section.tts_voice not in VALID_VOICES:
        raise ConfigError(
            f"OpenAI has no voice {section.tts_voice!r} (voice.openai.tts_voice)",
            hint=f"use one of {', '.join(sorted(VALID_VOICES))}",
        )
    settings = service_settings(
        OpenAITTSService.Settings,
        "openai",
        section.tts_options,
        model=section.tts_model,
        voice=section.tts_voice,
    )

    def make(_: aiohttp.ClientSession) -> OpenAITTSService:
        return OpenAITTSService(
            api_key=section.key,
            base_url=section.base_url,
            sample_rate=SAMPLE_RATE,
            settings=settings,
        )

    return ServiceTTS("openai", make)


__all__ = ["openai_tts"]
