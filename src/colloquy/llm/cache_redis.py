"""The LLM response cache in Redis: one cache for every worker process and machine.

Entries are the same JSON as the SQLite cache's (never pickles) under
``prefix + key``, and expire after ``ttl_s`` so a shared Redis does not fill up with
answers nobody asks for again. A cache only saves time: when Redis stops answering
mid-run, a read counts as a miss and a write is skipped (both logged), and the LLM call
goes ahead; only an unreachable Redis at start-up is an error, because that is a
configuration the user can fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from colloquy.errors import DatabaseUnavailableError
from colloquy.llm.cache import ResponseCache, decode_result, encode_result
from colloquy.llm.records import ChatResult
from colloquy.logging import get_logger

if TYPE_CHECKING:
    import redis

log = get_logger(__name__)

DEFAULT_PREFIX = "colloquy:llm:"
DEFAULT_TTL_S = 7 * 86_400


class RedisResponseCache(ResponseCache):
    """Answers in Redis under ``prefix``, each kept ``ttl_s`` seconds after it is written."""

    def __init__(
        self, client: redis.Redis, *, prefix: str = DEFAULT_PREFIX, ttl_s: int = DEFAULT_TTL_S
    ) -> None:
        if ttl_s < 1:
            raise ValueError("ttl_s must be at least 1 second")
        self.client = client
        self.prefix = prefix
        self.ttl_s = ttl_s

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str = DEFAULT_PREFIX, ttl_s: int = DEFAULT_TTL_S
    ) -> RedisResponseCache:
        """A cache on the Redis at ``url``, which must answer a ping now."""
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        try:
            client.ping()
        except redis.RedisError as exc:
            raise DatabaseUnavailableError(
                f"cannot reach Redis at {url} for the LLM response cache: {exc}",
                hint="start Redis, fix the URL, or use the SQLite response cache",
            ) from exc
        return cls(client, prefix=prefix, ttl_s=ttl_s)

    def get(self, key: str) -> ChatResult | None:
        import redis

        try:
            value = self.client.get(self.prefix + key)
        except redis.RedisError as exc:
            log.warning("llm_cache_unavailable", operation="get", error=str(exc))
            return None
        if value is None:
            return None
        text = value.decode("utf-8") if isinstance(value, bytes) else str(value)
        return decode_result(text)

    def put(self, key: str, result: ChatResult) -> None:
        import redis

        try:
            self.client.set(self.prefix + key, encode_result(result), ex=self.ttl_s)
        except redis.RedisError as exc:
            log.warning("llm_cache_unavailable", operation="put", error=str(exc))


__all__ = ["DEFAULT_PREFIX", "DEFAULT_TTL_S", "RedisResponseCache"]
