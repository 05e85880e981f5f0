"""ElevenLabs speech-to-text (an uploaded utterance) through ``ElevenLabsSTTService``."""

from __future__ import annotations

import aiohttp
from pipecat.services.elevenlabs.stt import ElevenLabsSTTService

from colloquy.agent.voice.config import VoiceSettings, service_settings
from colloquy.agent.voice.stt.service import ServiceSTT

HOSTED = "https://api.elevenlabs.io"


def elevenlabs_stt(voice: VoiceSettings) -> ServiceSTT:
    section = voice.provider("elevenlabs")
    settings = service_settings(
        ElevenLabsSTTService.Settings,
        "elevenlabs",
        section.stt_options,
        model=section.stt_model,
        language=voice.pipecat_language(),
    )

    def make(http: aiohttp.ClientSession) -> ElevenLabsSTTService:
        return ElevenLabsSTTService(
            api_key=section.key,
            aiohttp_session=http,
            base_url=section.base_url or HOSTED,
            settings=settings,
        )

    return ServiceSTT("elevenlabs", make)


__all__ = ["elevenlabs_stt"]
