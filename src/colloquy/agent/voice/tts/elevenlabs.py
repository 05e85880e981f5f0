"""ElevenLabs text-to-speech (streamed per sentence) through ``ElevenLabsHttpTTSService``."""

from __future__ import annotations

import aiohttp
from pipecat.services.elevenlabs.tts import ElevenLabsHttpTTSService

from colloquy.agent.voice.config import VoiceSettings, service_settings
from colloquy.agent.voice.tts.service import ServiceTTS
from colloquy.errors import ConfigError

HOSTED = "https://api.elevenlabs.io"


def elevenlabs_tts(voice: VoiceSettings) -> ServiceTTS:
    section = voice.provider("elevenlabs")
    if section.tts_voice is None:
        raise ConfigError(
            "ElevenLabs needs a voice id and voice.elevenlabs.tts_voice is not set",
            hint="set COLLOQUY_VOICE__ELEVENLABS__TTS_VOICE to a voice id from your library",
        )
    settings = service_settings(
        ElevenLabsHttpTTSService.Settings,
        "elevenlabs",
        section.tts_options,
        model=section.tts_model,
        voice=section.tts_voice,
        language=voice.pipecat_language(),
    )
    key = section.api_key.get_secret_value() if section.api_key is not None else ""

    def make(http: aiohttp.ClientSession) -> ElevenLabsHttpTTSService:
        return ElevenLabsHttpTTSService(
            api_key=key,
            aiohttp_session=http,
            base_url=section.base_url or HOSTED,
            settings=settings,
        )

    return ServiceTTS("elevenlabs", make)


__all__ = ["elevenlabs_tts"]
