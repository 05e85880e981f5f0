"""Choosing speech engines by ``voice.*`` settings: what is built, and the errors users cause."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pipecat.services.cartesia.tts import CartesiaHttpTTSService
from pipecat.services.openai.stt import OpenAISTTService
from pipecat.services.openai.tts import OpenAITTSService
from pydantic import ValidationError

from colloquy.agent.voice.config import CloudSpeechSettings, VoiceSettings
from colloquy.agent.voice.stt import ServiceSTT, speech_to_text
from colloquy.agent.voice.tts import ServiceTTS, offline_voice, text_to_speech
from colloquy.errors import ConfigError


def _settings(service: object) -> Any:
    """The Pipecat service's settings store (what it will send)."""
    return service._settings  # type: ignore[attr-defined]


def _keyed(**extra: object) -> CloudSpeechSettings:
    return CloudSpeechSettings.model_validate({"api_key": "sk-secret-42", **extra})


def test_the_defaults_are_offline() -> None:
    settings = VoiceSettings()
    assert (settings.stt, settings.tts) == ("whisper", "piper")
    assert settings.sip_port == 5060
    assert settings.ws_port is None


def test_keys_are_secrets() -> None:
    settings = VoiceSettings(openai=_keyed())
    assert "sk-secret-42" not in repr(settings.openai)
    assert settings.openai.api_key is not None
    assert settings.openai.api_key.get_secret_value() == "sk-secret-42"


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        VoiceSettings.model_validate({"openai": {"apikey": "k"}})


def test_an_unknown_engine_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as stt:
        speech_to_text("deepspeech", tmp_path)
    assert "openai" in (stt.value.hint or "")
    assert "whisper" in (stt.value.hint or "")
    with pytest.raises(ConfigError) as tts:
        text_to_speech("festival")
    assert "cartesia" in (tts.value.hint or "")
    assert "piper" in (tts.value.hint or "")
    with pytest.raises(ConfigError):
        offline_voice("openai")


@pytest.mark.parametrize(
    ("build", "provider"),
    [
        (lambda: speech_to_text("openai", Path(), VoiceSettings()), "OPENAI"),
        (lambda: speech_to_text("elevenlabs", Path(), VoiceSettings()), "ELEVENLABS"),
        (lambda: text_to_speech("cartesia", VoiceSettings()), "CARTESIA"),
        (lambda: text_to_speech("deepgram", VoiceSettings()), "DEEPGRAM"),
    ],
)
def test_a_cloud_engine_without_a_key_says_which_variable_to_set(
    build: Callable[[], object], provider: str
) -> None:
    with pytest.raises(ConfigError) as error:
        build()
    assert f"COLLOQUY_VOICE__{provider}__API_KEY" in (error.value.hint or "")


def test_an_empty_key_is_no_key() -> None:
    with pytest.raises(ConfigError):
        text_to_speech("openai", VoiceSettings(openai=_keyed(api_key="")))


def test_voices_a_provider_needs_or_refuses() -> None:
    with pytest.raises(ConfigError, match="tts_voice"):
        text_to_speech("cartesia", VoiceSettings(cartesia=_keyed()))
    with pytest.raises(ConfigError, match="tts_voice"):
        text_to_speech("elevenlabs", VoiceSettings(elevenlabs=_keyed()))
    with pytest.raises(ConfigError) as error:
        text_to_speech("openai", VoiceSettings(openai=_keyed(tts_voice="darth")))
    assert "nova" in (error.value.hint or "")


def test_options_the_service_does_not_take_are_a_config_error(tmp_path: Path) -> None:
    settings = VoiceSettings(openai=_keyed(stt_options={"loudness": 3}))
    with pytest.raises(ConfigError, match="loudness"):
        speech_to_text("openai", tmp_path, settings)


def test_an_unknown_language_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="klingon"):
        speech_to_text("openai", tmp_path, VoiceSettings(language="klingon", openai=_keyed()))


def test_the_settings_reach_pipecats_service_classes(tmp_path: Path) -> None:
    settings = VoiceSettings(
        language="de",
        openai=_keyed(
            base_url="http://127.0.0.1:9/v1",
            stt_model="whisper-1",
            tts_model="tts-1",
            tts_voice="nova",
            stt_options={"prompt": "claims, deductible"},
            tts_options={"speed": 1.2},
        ),
        cartesia=_keyed(tts_voice="v-1"),
    )
    stt = speech_to_text("openai", tmp_path, settings)
    tts = text_to_speech("openai", settings)
    cartesia = text_to_speech("cartesia", settings)
    assert isinstance(stt, ServiceSTT)
    assert isinstance(tts, ServiceTTS)
    assert isinstance(cartesia, ServiceTTS)

    async def make() -> tuple[object, object, object]:
        async with aiohttp.ClientSession() as http:
            return stt.make(http), tts.make(http), cartesia.make(http)

    hearing, speaking, other = asyncio.run(make())
    assert isinstance(hearing, OpenAISTTService)
    assert (_settings(hearing).model, _settings(hearing).language) == ("whisper-1", "de")
    assert _settings(hearing).prompt == "claims, deductible"
    assert isinstance(speaking, OpenAITTSService)
    assert (_settings(speaking).model, _settings(speaking).voice) == ("tts-1", "nova")
    assert _settings(speaking).speed == 1.2
    assert isinstance(other, CartesiaHttpTTSService)
    assert _settings(other).voice == "v-1"
