"""The client the configuration asks for: ``llm.backend`` local or openai.

``openai`` talks to ``llm.base_url`` with ``llm.model``; ``local`` runs ``llm.local_model``
(a known name, see :mod:`colloquy.llm.weights`, or a ``.gguf`` path) in process. When
``llm.backend`` is not set, a configured ``base_url`` means ``openai`` and no URL means
``local`` — the offline default. Known downloadable models are fetched once into
``<home>/models/llm`` and verified by SHA-256 on every first load. ``llm.cache`` puts a
response cache in front of either backend: a SQLite file for one machine, Redis for
workers that should share answers; it is off unless asked for, since a cached answer
hides a changed model's behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from colloquy.errors import ConfigError
from colloquy.llm.cache import ResponseCache, SQLiteResponseCache
from colloquy.llm.client import LLMClient
from colloquy.llm.retry import RetryPolicy
from colloquy.llm.weights import DEFAULT_LOCAL_MODEL, resolve_local_model

if TYPE_CHECKING:
    from colloquy.config import Settings

Backend = Literal["local", "openai"]
CacheKind = Literal["off", "sqlite", "redis"]
DEFAULT_CACHE_FILE = Path.home() / ".colloquy" / "llm" / "responses.db"


@dataclass(frozen=True, slots=True)
class LLMConfig:
    """Everything needed to build a client, independent of where the values came from."""

    backend: Backend
    model: str
    base_url: str | None = None
    api_key: str | None = None
    timeout_s: float = 30.0
    max_retries: int = 2
    local_model: str = DEFAULT_LOCAL_MODEL
    n_threads: int = 1
    n_ctx: int = 4096
    models_dir: Path | None = None
    allow_download: bool = True
    cache: CacheKind = "off"
    cache_url: str | None = None
    """The SQLite file or the Redis URL; ``None`` with sqlite = :data:`DEFAULT_CACHE_FILE`."""
    cache_ttl_s: int = 7 * 86_400

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMConfig:
        """The ``llm`` section of the settings, with the backend default applied."""
        llm = settings.llm
        backend: Backend = llm.backend or ("openai" if llm.base_url else "local")
        key = llm.api_key.get_secret_value() if llm.api_key is not None else None
        return cls(
            backend=backend,
            model=llm.model,
            base_url=llm.base_url or None,
            api_key=key,
            timeout_s=llm.timeout_seconds,
            max_retries=llm.max_retries,
            local_model=llm.local_model,
            n_threads=llm.n_threads,
            models_dir=settings.resolved_home / "models" / "llm",
            cache=llm.cache,
            cache_url=llm.cache_url
            or (
                str(settings.resolved_home / "llm" / "responses.db")
                if llm.cache == "sqlite"
                else None
            ),
            cache_ttl_s=llm.cache_ttl_seconds,
        )


def build_cache(config: LLMConfig) -> ResponseCache | None:
    """The response cache ``config`` asks for; Redis must answer now (a clear error if not)."""
    if config.cache == "off":
        return None
    if config.cache == "redis":
        from colloquy.llm.cache_redis import RedisResponseCache

        if not config.cache_url:
            raise ConfigError(
                "llm.cache is redis but llm.cache_url is not set",
                hint="set COLLOQUY_LLM__CACHE_URL=redis://host:6379/0",
            )
        return RedisResponseCache.from_url(config.cache_url, ttl_s=config.cache_ttl_s)
    if config.cache_url:
        return SQLiteResponseCache(Path(config.cache_url).expanduser())
    return SQLiteResponseCache(DEFAULT_CACHE_FILE)


def build_client(config: LLMConfig) -> LLMClient:
    """The configured client; a local model is resolved (and verified) here, loaded lazily."""
    if config.backend == "openai":
        from colloquy.llm.openai_http import OpenAICompatibleClient

        if not config.base_url:
            raise ConfigError(
                "llm.backend is openai but llm.base_url is not set",
                hint="set COLLOQUY_LLM__BASE_URL (e.g. http://localhost:8000/v1)",
            )
        return OpenAICompatibleClient(
            config.base_url,
            config.model,
            api_key=config.api_key,
            timeout_s=config.timeout_s,
            retry=RetryPolicy(max_retries=config.max_retries),
            cache=build_cache(config),
        )
    from colloquy.llm.llama_local import LlamaCppClient

    models_dir = config.models_dir or Path.home() / ".colloquy" / "models" / "llm"
    path = resolve_local_model(
        config.local_model, models_dir=models_dir, download=config.allow_download
    )
    return LlamaCppClient(
        path,
        model=config.local_model,
        n_threads=config.n_threads,
        n_ctx=config.n_ctx,
        timeout_s=config.timeout_s,
        cache=build_cache(config),
    )


def client_from_settings(settings: Settings) -> LLMClient:
    """The client ``settings`` configure (see the module docstring for the rules)."""
    return build_client(LLMConfig.from_settings(settings))


__all__ = [
    "Backend",
    "CacheKind",
    "LLMConfig",
    "build_cache",
    "build_client",
    "client_from_settings",
]
