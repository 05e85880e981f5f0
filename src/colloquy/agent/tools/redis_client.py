"""One Redis connection recipe for the tools' cache and rate limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from colloquy.errors import DatabaseUnavailableError

if TYPE_CHECKING:
    import redis


def connect_redis(url: str, *, without: str) -> redis.Redis:
    """A client for ``url`` that answered a ping; ``without`` says what unset Redis means.

    Short timeouts and one retry: a slow Redis must not cost a caller seconds per tool.
    """
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    client = redis.Redis.from_url(
        url, socket_timeout=0.5, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 1)
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        raise DatabaseUnavailableError(
            f"cannot reach Redis at {url}: {exc}",
            hint=f"start Redis or leave the Redis URL unset to {without}",
        ) from exc
    return client
