"""The ``voice.*`` settings: which speech engines a call uses, and how to reach cloud ones.

Offline engines (Whisper, pocketsphinx, Piper, espeak-ng) need nothing here. A cloud engine
is chosen by name (``voice.stt = "openai"``) and reached through its provider's section
(``voice.openai.api_key``, ``base_url``, models, voice), so one key serves a provider's
speech-to-text and text-to-speech alike. ``base_url`` also points an engine at a
self-hosted server speaking the same protocol (an OpenAI-compatible Whisper or TTS server).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from colloquy.errors import ConfigError

if TYPE_CHECKING:
    from pipecat.transcriptions.language import Language

OptionValue = str | int | float | bool
S = TypeVar("S")


class CloudSpeechSettings(BaseModel):
    """One speech provider: its key, where it is, and what it should use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    api_key: SecretStr | None = Field(
        default=None, description="the provider's API key (COLLOQUY_VOICE__<PROVIDER>__API_KEY)"
    )
    base_url: str | None = Field(
        default=None, description="the provider's API address; unset = its hosted service"
    )
    stt_model: str | None = Field(default=None, description="speech-to-text model; unset = default")
    tts_model: str | None = Field(default=None, description="text-to-speech model; unset = default")
    tts_voice: str | None = Field(
        default=None, description="text-to-speech voice (name or id); unset = default"
    )
    stt_options: dict[str, OptionValue] = Field(
        default_factory=dict,
        description="more fields of the Pipecat service's STT Settings (e.g. prompt)",
    )
    tts_options: dict[str, OptionValue] = Field(
        default_factory=dict,
        description="more fields of the Pipecat service's TTS Settings (e.g. speed)",
    )

    @property
    def key(self) -> str:
        """The API key's value; empty when unset, which :meth:`VoiceSettings.provider` refuses."""
        return self.api_key.get_secret_value() if self.api_key is not None else ""

    def required_voice(self, provider: str, label: str) -> str:
        """``tts_voice``, for a provider that has no default voice."""
        if self.tts_voice is None:
            raise ConfigError(
                f"{label} needs a voice id and voice.{provider}.tts_voice is not set",
                hint=f"set COLLOQUY_VOICE__{provider.upper()}__TTS_VOICE to a voice id "
                f"from your {label} library",
            )
        return self.tts_voice


class VoiceSettings(BaseModel):
    """The voice channel: speech engines, cloud providers, ports, recordings, registration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stt: str = Field(
        default="whisper",
        description="speech-to-text: whisper | pocketsphinx (offline); openai | elevenlabs (cloud)",
    )
    tts: str = Field(
        default="piper",
        description="text-to-speech: piper | espeak (offline); openai | cartesia | elevenlabs "
        "| deepgram (cloud)",
    )
    language: str = Field(default="en", description="the callers' language (ISO 639-1)")
    openai: CloudSpeechSettings = Field(default_factory=CloudSpeechSettings)
    cartesia: CloudSpeechSettings = Field(default_factory=CloudSpeechSettings)
    elevenlabs: CloudSpeechSettings = Field(default_factory=CloudSpeechSettings)
    deepgram: CloudSpeechSettings = Field(default_factory=CloudSpeechSettings)
    sip_port: int = Field(default=5060, ge=0, le=65535, description="UDP port for SIP")
    ws_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="port for Twilio/Telnyx media streams; unset = off",
    )
    recordings: str | None = Field(
        default=None,
        description="a folder or s3://bucket/prefix for calls; unset = <home>/voice/calls",
    )
    s3_endpoint: str | None = Field(
        default=None, description="an S3-compatible endpoint (MinIO) for s3:// recordings"
    )
    calls_dataset: str = Field(
        default="voice_calls", min_length=1, description="the dataset calls are stored in"
    )
    conversion_model: str | None = Field(
        default=None,
        description="DIR | NAME@ALIAS | NAME/VERSION scoring calls live; unset = no scoring",
    )
    sip_account: str | None = Field(
        default=None,
        description="sip:USER@REGISTRAR[:PORT] to register as (serve --register); unset = none",
    )
    sip_password: SecretStr | None = Field(
        default=None, description="the SIP account's password (COLLOQUY_VOICE__SIP_PASSWORD)"
    )

    def provider(self, name: str) -> CloudSpeechSettings:
        """A cloud provider's section, checked to carry a key."""
        section: CloudSpeechSettings = getattr(self, name)
        if section.api_key is None or not section.api_key.get_secret_value():
            raise ConfigError(
                f"voice engine {name!r} needs an API key and voice.{name}.api_key is not set",
                hint=f"set COLLOQUY_VOICE__{name.upper()}__API_KEY (any non-empty value for a "
                f"self-hosted server at voice.{name}.base_url), or use an offline engine",
            )
        return section

    def pipecat_language(self) -> Language:
        from pipecat.transcriptions.language import Language

        try:
            return Language(self.language)
        except ValueError as exc:
            raise ConfigError(
                f"unknown voice.language {self.language!r}",
                hint="give an ISO 639-1 code such as en, de or es (en-GB for a region)",
            ) from exc


CLOUD_PROVIDERS = ("openai", "cartesia", "elevenlabs", "deepgram")


def service_settings(
    factory: type[S], engine: str, options: dict[str, OptionValue], **given: Any
) -> S:
    """A Pipecat service's ``Settings``: the fields colloquy sets, then the user's options."""
    fields = {k: v for k, v in given.items() if v is not None}
    try:
        return factory(**{**fields, **options})
    except TypeError as exc:
        raise ConfigError(
            f"voice engine {engine!r} does not take the options {sorted(options)}: {exc}",
            hint=f"see the fields of {factory.__qualname__} in Pipecat's documentation",
        ) from exc


__all__ = [
    "CLOUD_PROVIDERS",
    "CloudSpeechSettings",
    "OptionValue",
    "VoiceSettings",
    "service_settings",
]
