"""Deepgram Aura text-to-speech (one request per sentence) through ``DeepgramHttpTTSService``."""

from __future__ import annotations

import aiohttp
from pipecat.services.deepgram.tts import DeepgramHttpTTSService

from colloquy.agent.voice.config import VoiceSettings, service_settings
from colloquy.agent.voice.tts.service import ServiceTTS

HOSTED = "https://api.deepgram.com"


def deepgram_tts(voice: VoiceSettings) -> ServiceTTS:
    section = voice.provider("deepgram")
    settings = service_settings(
        DeepgramHttpTTSService.Settings,
        "deepgram",
        section.tts_options,
        model=section.tts_model,
        voice=section.tts_voice,
    )

    def make(http: aiohttp.ClientSession) -> DeepgramHttpTTSService:
        return DeepgramHttpTTSService(
            api_key=section.key,
            aiohttp_session=http,
            base_url=section.base_url or HOSTED,
            settings=settings,
        )

    return ServiceTTS("deepgram", make)


__all__ = ["deepgram_tts"]
