"""The HTTP API's settings: ``COLLOQUY_API_*`` variables over defaults.

They are a settings model of their own, not a section of :class:`colloquy.config.Settings`,
because several uvicorn worker processes must rebuild them from the environment alone:
``colloquy serve`` exports every option as a ``COLLOQUY_API_*`` variable, and each worker's
:func:`colloquy.services.api.app.create_app_from_env` reads them back. The project settings
(home, store, MLflow, logging) still come from ``load_settings`` and the optional YAML file
named by ``config_file``.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import AliasChoices, Field, PrivateAttr
from pydantic_settings import BaseSettings, SettingsConfigDict

from colloquy.config import Settings, load_settings

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ApiSettings(BaseSettings):
    """Everything ``colloquy serve`` and :func:`create_app` can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix="COLLOQUY_API_", extra="ignore", validate_default=True
    )

    host: str = Field(default="127.0.0.1", description="Address to bind")
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    config_file: Path | None = Field(
        default=None, description="colloquy YAML settings file (home, store, MLflow, logging)"
    )
    store_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the store; unset = the project's store"
    )
    data_dir: Path | None = Field(
        default=None, description="Where uploads are written; unset = <home>/api/uploads"
    )
    intent_model: str | None = Field(
        default=None, description="NAME@ALIAS or a model directory; unset = registry champion"
    )
    conversion_model: str | None = Field(
        default=None, description="NAME@ALIAS or a model directory; unset = registry champion"
    )
    cors_origins: list[str] = Field(default_factory=list, description="Allowed CORS origins")
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="JSON request bodies")
    max_upload_bytes: int = Field(
        default=512 * 1_048_576, ge=1024, description="multipart uploads (datasets)"
    )
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("COLLOQUY_REDIS_URL", "COLLOQUY_API_REDIS_URL", "redis_url"),
        description="Redis for shared rate limits and the response cache; unset = in-process",
    )
    redis_prefix: str = Field(
        default="colloquy", min_length=1, description="Prefix of every key written to Redis"
    )
    rate_limit_per_second: float = Field(
        default=50.0, gt=0, description="Tokens each API key gains per second"
    )
    rate_limit_burst: int = Field(default=100, ge=1, description="Bucket size per API key")
    rate_limit_enabled: bool = True
    cache_entries: int = Field(default=4096, ge=0, description="In-process LRU size; 0 = off")
    cache_ttl_seconds: int = Field(default=3600, ge=1)
    insecure: bool = Field(
        default=False, description="Allow a non-loopback bind with no API keys (anonymous admin)"
    )
    alias_poll_seconds: float = Field(default=5.0, gt=0)
    key_check_seconds: float = Field(
        default=2.0, ge=0, description="How long 'are there any API keys' is remembered"
    )

    _core: Settings | None = PrivateAttr(default=None)

    def core(self) -> Settings:
        """The project settings (home, store, MLflow, logging), loaded once."""
        if self._core is None:
            self._core = load_settings(self.config_file)
        return self._core

    def with_core(self, core: Settings) -> ApiSettings:
        """A copy whose project settings are ``core`` (tests pass their own)."""
        copy = self.model_copy()
        copy._core = core
        return copy

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def resolved_store_url(self) -> str:
        return self.store_url or self.core().resolved_database_url

    def resolved_data_dir(self) -> Path:
        if self.data_dir is not None:
            return self.data_dir.expanduser()
        return self.core().resolved_home / "api" / "uploads"

    def to_environment(self) -> dict[str, str]:
        """These settings as ``COLLOQUY_API_*`` variables, for uvicorn's worker processes."""
        env: dict[str, str] = {}
        for name, value in self.model_dump(mode="json").items():
            if value is None:
                continue
            key = f"COLLOQUY_API_{name.upper()}"
            if isinstance(value, list):
                import json

                env[key] = json.dumps(value)
            else:
                env[key] = str(value).lower() if isinstance(value, bool) else str(value)
        return env
