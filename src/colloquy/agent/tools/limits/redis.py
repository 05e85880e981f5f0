"""Redis sliding-window rate limiter: every process of the desk shares one count.

The check and the count are one Lua script, so two processes racing for the last
allowed call cannot both get it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from colloquy.agent.tools.limits.base import Admission, RateLimiter
from colloquy.agent.tools.redis_client import connect_redis

if TYPE_CHECKING:
    import redis

_SCRIPT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
  return {1, '0'}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tostring(tonumber(oldest[2]) + window - now)}
"""


class RedisRateLimiter(RateLimiter):
    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "colloquy:limits:",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self._clock = clock
        self._script = client.register_script(_SCRIPT)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "colloquy:limits:") -> RedisRateLimiter:
        client = connect_redis(url, without="limit in-process")
        return cls(client, prefix=prefix)

    def admit(self, bucket: str, *, calls: int, window_s: float) -> Admission:
        reply = self._script(
            keys=[self.prefix + bucket],
            args=[repr(self._clock()), repr(window_s), calls, uuid.uuid4().hex],
        )
        allowed, retry = reply
        return Admission(allowed=bool(int(allowed)), retry_after_s=max(0.0, float(retry)))
