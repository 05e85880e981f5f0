"""colloquy's HTTP API (FastAPI): :func:`create_app` builds it from :class:`ApiSettings`.

Modules: ``app`` (the factory), ``settings``, ``deps`` (store and settings dependencies),
``security`` (API keys, scopes, rate limits per key), ``problems`` (RFC 9457 errors),
``metrics`` (Prometheus), ``cache`` (+ ``cache_memory``, ``cache_redis``), ``ratelimit``
(+ ``ratelimit_memory``, ``ratelimit_redis``), ``middleware``, ``readiness``, ``routes``.
"""

from colloquy.services.api.app import create_app, create_app_from_env
from colloquy.services.api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app", "create_app_from_env"]
