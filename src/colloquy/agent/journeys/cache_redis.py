"""L2: Redis, shared by every worker process, entries expiring after ``ttl_s``."""

from __future__ import annotations

import redis

from colloquy.agent.journeys.cache import ActivationCache
from colloquy.errors import DatabaseUnavailableError


class RedisCache(ActivationCache):
    name = "l2-redis"

    def __init__(
        self, client: redis.Redis, *, prefix: str = "colloquy:activation:", ttl_s: int = 86_400
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.ttl_s = ttl_s

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str = "colloquy:activation:", ttl_s: int = 86_400
    ) -> RedisCache:
        client = redis.Redis.from_url(url, socket_timeout=2.0)
        try:
            client.ping()
        except redis.RedisError as exc:
            raise DatabaseUnavailableError(
                f"cannot reach Redis at {url}: {exc}",
                hint="start Redis or leave the Redis cache unconfigured",
            ) from exc
        return cls(client, prefix=prefix, ttl_s=ttl_s)

    def get(self, key: str) -> str | None:
        value = self.client.get(self.prefix + key)
        if value is None:
            return None
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)

    def put(self, key: str, payload: str) -> None:
        self.client.set(self.prefix + key, payload, ex=self.ttl_s)
