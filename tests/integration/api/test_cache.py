"""The response cache: LRU and Redis adapters, keys by model version, hit/miss metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from redis.asyncio import Redis

from colloquy.services.api.app import create_app
from colloquy.services.api.cache import MeteredCache, cache_key, cache_of
from colloquy.services.api.cache_memory import InProcessLRU
from colloquy.services.api.cache_redis import RedisCache
from colloquy.services.api.metrics import ApiMetrics
from colloquy.services.api.settings import ApiSettings

SettingsFactory = Callable[..., ApiSettings]


def test_keys_depend_on_route_model_version_and_body() -> None:
    base = cache_key("intents", "banking77/3", b'{"text":"hi"}')
    assert base == cache_key("intents", "banking77/3", b'{"text":"hi"}')
    assert base != cache_key("intents", "banking77/4", b'{"text":"hi"}')
    assert base != cache_key("conversions", "banking77/3", b'{"text":"hi"}')
    assert base != cache_key("intents", "banking77/3", b'{"text":"ho"}')
    assert cache_key("a", "bc", b"") != cache_key("ab", "c", b"")


def test_lru_evicts_the_least_recently_used_and_expires() -> None:
    async def scenario() -> None:
        cache = InProcessLRU(max_entries=2, ttl_seconds=3600)
        await cache.put("a", b"1")
        await cache.put("b", b"2")
        assert await cache.get("a") == b"1"
        await cache.put("c", b"3")
        assert await cache.get("b") is None
        assert await cache.get("a") == b"1"
        assert len(cache) == 2
        expired = InProcessLRU(max_entries=2, ttl_seconds=0)
        await expired.put("a", b"1")
        assert await expired.get("a") is None

    asyncio.run(scenario())


def test_redis_cache_round_trip_under_its_prefix(redis_url: str, redis_prefix: str) -> None:
    async def scenario() -> list[bytes]:
        cache = RedisCache(Redis.from_url(redis_url), ttl_seconds=60, prefix=redis_prefix)
        try:
            assert await cache.get("k") is None
            await cache.put("k", b"answer")
            assert await cache.get("k") == b"answer"
            return [key async for key in cache.client.scan_iter(f"{redis_prefix}:*")]
        finally:
            await cache.close()

    assert asyncio.run(scenario()) == [f"{redis_prefix}:cache:k".encode()]


def test_metered_cache_counts_hits_and_misses() -> None:
    metrics = ApiMetrics.create()
    cache = MeteredCache(InProcessLRU(), metrics)

    async def scenario() -> None:
        assert await cache.get("x") is None
        await cache.put("x", b"1")
        assert await cache.get("x") == b"1"
        assert await cache.get("x") == b"1"

    asyncio.run(scenario())
    text = metrics.render().decode()
    assert 'cache_hits_total{cache="memory"} 2.0' in text
    assert 'cache_misses_total{cache="memory"} 1.0' in text


def test_the_app_uses_redis_when_configured(
    api_settings: SettingsFactory, redis_url: str, redis_prefix: str
) -> None:
    redis_app = create_app(api_settings(redis_url=redis_url, redis_prefix=redis_prefix))
    memory_app = create_app(api_settings())
    assert cache_of(redis_app).name == "redis"
    assert cache_of(memory_app).name == "memory"
    asyncio.run(cache_of(redis_app).close())
