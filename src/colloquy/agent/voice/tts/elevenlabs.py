"""ElevenLabs text-to-speech (streamed per sentence) through ``ElevenLabsHttpTTSService``."""

from __future__ import annotations

import aiohttp
from pipecat.services.elevenlabs.tts import ElevenLabsHttpTTSService

from colloquy.agent.voice.config import VoiceSettings, service_settings
from colloquy.agent.voice.tts.service import ServiceTTS

HOSTED = "https://api.elevenlabs.io"


def elevenlabs_tts(voice: VoiceSettings) -> ServiceTTS:
    section = voice.provider("elevenlabs")
    settings = service_settings(
        ElevenLabsHttpTTSService.Settings,
        "elevenlabs",
        section.tts_options,
        model=section.tts_model,
        voice=section.required_voice("elevenlabs", "ElevenLabs"),
        language=voice.pipecat_language(),
    )

    def make(http: aiohttp.ClientSession) -> ElevenLabsHttpTTSService:
        return ElevenLabsHttpTTSService(
            api_key=section.key,
            aiohttp_session=http,
            base_url=section.base_url or HOSTED,
            settings=settings,
        )

    return ServiceTTS("elevenlabs", make)


__all__ = ["elevenlabs_tts"]
