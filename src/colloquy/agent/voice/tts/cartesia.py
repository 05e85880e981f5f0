"""Cartesia text-to-speech (one request per sentence) through ``CartesiaHttpTTSService``."""

from __future__ import annotations

import aiohttp
from pipecat.services.cartesia.tts import CartesiaHttpTTSService

from colloquy.agent.voice.config import VoiceSettings, service_settings
from colloquy.agent.voice.tts.service import ServiceTTS

HOSTED = "https://api.cartesia.ai"


def cartesia_tts(voice: VoiceSettings) -> ServiceTTS:
    section = voice.provider("cartesia")
    settings = service_settings(
        CartesiaHttpTTSService.Settings,
        "cartesia",
        section.tts_options,
        model=section.tts_model,
        voice=section.required_voice("cartesia", "Cartesia"),
        language=voice.pipecat_language(),
    )

    def make(http: aiohttp.ClientSession) -> CartesiaHttpTTSService:
        return CartesiaHttpTTSService(
            api_key=section.key,
            base_url=section.base_url or HOSTED,
            aiohttp_session=http,
            settings=settings,
        )

    return ServiceTTS("cartesia", make)


__all__ = ["cartesia_tts"]
