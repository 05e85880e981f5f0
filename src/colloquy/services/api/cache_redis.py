"""A response cache in Redis, shared by every worker and every API instance."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError

from colloquy.logging import get_logger
from colloquy.services.api.cache import ResponseCache

REDIS_TIMEOUT_SECONDS = 0.5
"""An unreachable Redis must cost a request little, not hang it."""


def redis_client(url: str) -> Redis:
    """An asyncio Redis client with short connect and read timeouts."""
    return Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )


class RedisCache(ResponseCache):
    """Entries expire after ``ttl_seconds``; Redis' own eviction policy bounds memory.

    Redis failing must not fail a prediction: a read error is a miss and a write error is
    dropped, both logged.
    """

    name = "redis"

    def __init__(self, client: Redis, ttl_seconds: int = 3600, prefix: str = "colloquy") -> None:
        self.client = client
        self.ttl_seconds = ttl_seconds
        self.prefix = f"{prefix}:cache:"

    @classmethod
    def from_url(cls, url: str, ttl_seconds: int = 3600, prefix: str = "colloquy") -> RedisCache:
        return cls(redis_client(url), ttl_seconds, prefix)

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self.client.get(self.prefix + key)
        except RedisError as exc:
            get_logger(__name__).warning("cache.redis_unavailable", error=str(exc))
            return None
        return value if isinstance(value, bytes) else None

    async def put(self, key: str, value: bytes) -> None:
        try:
            await self.client.set(self.prefix + key, value, ex=self.ttl_seconds)
        except RedisError as exc:
            get_logger(__name__).warning("cache.redis_unavailable", error=str(exc))

    async def close(self) -> None:
        await self.client.aclose()
