"""The activation cache a deployment configures: L1 always, L2 and L3 when given."""

from __future__ import annotations

from colloquy.agent.journeys.cache import ActivationCache, LayeredCache
from colloquy.agent.journeys.cache_memory import MemoryCache
from colloquy.agent.journeys.cache_redis import RedisCache
from colloquy.agent.journeys.cache_store import StoreCache
from colloquy.storage.store import Store


def activation_cache(
    *,
    redis_url: str | None = None,
    redis_prefix: str = "colloquy:activation:",
    store: Store | None = None,
    max_entries: int = 10_000,
    redis_ttl_s: int = 86_400,
) -> LayeredCache:
    """L1 in-process LRU; L2 Redis when ``redis_url`` is set; L3 the store when given.

    An unreachable Redis is a :class:`~colloquy.errors.DatabaseUnavailableError` at start-up
    rather than a slow miss on every turn.
    """
    levels: list[ActivationCache] = [MemoryCache(max_entries)]
    if redis_url:
        levels.append(RedisCache.from_url(redis_url, prefix=redis_prefix, ttl_s=redis_ttl_s))
    if store is not None:
        levels.append(StoreCache(store))
    return LayeredCache(levels)
