"""OpenAI's transcription API (or any server speaking it) through ``OpenAISTTService``."""

from __future__ import annotations

import aiohttp
from pipecat.services.openai.stt import OpenAISTTService

from colloquy.agent.voice.config import VoiceSettings, service_settings
from colloquy.agent.voice.stt.service import ServiceSTT


def openai_stt(voice: VoiceSettings) -> ServiceSTT:
    section = voice.provider("openai")
    settings = service_settings(
        OpenAISTTService.Settings,
        "openai",
        section.stt_options,
        model=section.stt_model,
        language=voice.pipecat_language(),
    )

    def make(_: aiohttp.ClientSession) -> OpenAISTTService:
        return OpenAISTTService(api_key=section.key, base_url=section.base_url, settings=settings)

    return ServiceSTT("openai", make)


__all__ = ["openai_stt"]
