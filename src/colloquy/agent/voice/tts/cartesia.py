"""Cartesia text-to-speech (one request per sentence) through ``CartesiaHttpTTSService``."""

from __future__ import annotations

import aiohttp
from pipecat.services.cartesia.tts import CartesiaHttpTTSService

from colloquy.agent.voice.config import VoiceSettings, service_settings
from colloquy.agent.voice.tts.service import ServiceTTS
from colloquy.errors import ConfigError

HOSTED = "https://api.cartesia.ai"


def cartesia_tts(voice: VoiceSettings) -> ServiceTTS:
    section = voice.provider("cartesia")
    if section.tts_voice is None:
        raise ConfigError(
            "Cartesia needs a voice id and voice.cartesia.tts_voice is not set",
            hint="set COLLOQUY_VOICE__CARTESIA__TTS_VOICE to a voice id from Cartesia's library",
        )
    settings = service_settings(
        CartesiaHttpTTSService.Settings,
        "cartesia",
        section.tts_options,
        model=section.tts_model,
        voice=section.tts_voice,
        language=voice.pipecat_language(),
    )
    key = section.api_key.get_secret_value() if section.api_key is not None else ""

    def make(http: aiohttp.ClientSession) -> CartesiaHttpTTSService:
        return CartesiaHttpTTSService(
            api_key=key,
            base_url=section.base_url or HOSTED,
            aiohttp_session=http,
            settings=settings,
        )

    return ServiceTTS("cartesia", make)


__all__ = ["cartesia_tts"]
