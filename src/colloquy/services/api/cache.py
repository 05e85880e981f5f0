"""The response cache seam: identical predict requests answered from memory or Redis.

A key is a hash of the route, the serving model's version and the canonical request
body (:func:`cache_key`), so a model change invalidates every cached answer by itself:
the old keys are never asked for again and age out. Adapters: :mod:`.cache_memory`
(an in-process LRU, one per worker) and :mod:`.cache_redis` (shared by every worker).
:func:`cache_of` hands routes the app's cache wrapped in :class:`MeteredCache`, which
counts hits and misses into ``cache_hits_total`` / ``cache_misses_total``.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod

from fastapi import FastAPI, Request

from colloquy.services.api.metrics import ApiMetrics, metrics_of


class ResponseCache(ABC):
    """Bytes by key, with a time to live; misses are ``None``, never an error."""

    name: str = "cache"

    @abstractmethod
    async def get(self, key: str) -> bytes | None: ...

    @abstractmethod
    async def put(self, key: str, value: bytes) -> None: ...

    async def close(self) -> None:  # noqa: B027 - adapters without connections keep it
        """Release connections; the in-process cache holds none."""


def cache_key(namespace: str, model_version: str, body: bytes) -> str:
    """The key of one request: ``namespace`` (the route), the model version, the body.

    Pass a canonical body (a Pydantic model's ``model_dump_json()``), so requests that
    differ only in whitespace or key order share an entry.
    """
    digest = hashlib.sha256()
    for part in (namespace.encode(), model_version.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return f"{namespace}:{digest.hexdigest()}"


class MeteredCache(ResponseCache):
    """A cache that counts its hits and misses."""

    def __init__(self, inner: ResponseCache, metrics: ApiMetrics) -> None:
        self.inner = inner
        self.name = inner.name
        self._metrics = metrics

    async def get(self, key: str) -> bytes | None:
        value = await self.inner.get(key)
        counter = self._metrics.cache_misses if value is None else self._metrics.cache_hits
        counter.labels(cache=self.name).inc()
        return value

    async def put(self, key: str, value: bytes) -> None:
        await self.inner.put(key, value)

    async def close(self) -> None:
        await self.inner.close()


def cache_of(app_or_request: FastAPI | Request) -> ResponseCache:
    """The app's response cache, metered."""
    app = app_or_request.app if isinstance(app_or_request, Request) else app_or_request
    cache = getattr(app.state, "cache", None)
    if not isinstance(cache, ResponseCache):
        raise RuntimeError("the app has no response cache: build it with create_app")
    if not isinstance(cache, MeteredCache):
        cache = MeteredCache(cache, metrics_of(app))
        app.state.cache = cache
    return cache
