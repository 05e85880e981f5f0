"""Redis tool cache: shared by every process of the desk, expiry done by Redis itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from colloquy.agent.tools.cache.base import ToolCache
from colloquy.agent.tools.redis_client import connect_redis

if TYPE_CHECKING:
    import redis


class RedisToolCache(ToolCache):
    """Keys are namespaced by ``prefix`` so several desks can share one Redis database."""

    def __init__(self, client: redis.Redis, *, prefix: str = "colloquy:tools:") -> None:
        self.client = client
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "colloquy:tools:") -> RedisToolCache:
        client = connect_redis(url, without="cache in-process")
        return cls(client, prefix=prefix)

    def get(self, key: str) -> bytes | None:
        value = self.client.get(self.prefix + key)
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, ttl_s: float) -> None:
        self.client.set(self.prefix + key, value, px=max(1, int(ttl_s * 1000)))

    def delete_prefix(self, prefix: str) -> int:
        keys = list(self.client.scan_iter(match=_glob(self.prefix + prefix) + "*", count=500))
        if not keys:
            return 0
        deleted = self.client.delete(*keys)
        return int(deleted) if isinstance(deleted, int) else len(keys)


def _glob(text: str) -> str:
    """``text`` with Redis glob characters escaped, so it matches only itself."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
