"""Token buckets in Redis: one Lua script per request, so the read-refill-take is atomic.

The script reads the clock with Redis' ``TIME``, so API instances on machines whose clocks
disagree still share one bucket fairly. Buckets expire once they would be full again.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from colloquy.logging import get_logger
from colloquy.services.api.cache_redis import redis_client
from colloquy.services.api.ratelimit import RateDecision, RateLimiter

TOKEN_BUCKET_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(state[1])
local stamp = tonumber(state[2])
if tokens == nil or stamp == nil then
  tokens = burst
  stamp = now
end
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
local allowed = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  wait = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {allowed, tostring(tokens), tostring(wait)}
"""
"""Floats travel as strings: Redis truncates Lua numbers in replies to integers."""


class RedisRateLimiter(RateLimiter):
    """Buckets under ``prefix:KEY`` in Redis; if Redis fails, requests are let through
    (and logged), so an outage of the limiter is not an outage of the API."""

    name = "redis"

    def __init__(self, client: Redis, rate: float, burst: int, prefix: str = "colloquy") -> None:
        super().__init__(rate, burst)
        self.client = client
        self.prefix = f"{prefix}:ratelimit"
        self._script: Any = client.register_script(TOKEN_BUCKET_LUA)

    @classmethod
    def from_url(
        cls, url: str, rate: float, burst: int, prefix: str = "colloquy"
    ) -> RedisRateLimiter:
        return cls(redis_client(url), rate, burst, prefix)

    async def acquire(self, key: str, cost: float = 1.0) -> RateDecision:
        try:
            allowed, tokens, wait = await self._script(
                keys=[f"{self.prefix}:{key}"], args=[self.rate, self.burst, cost]
            )
        except RedisError as exc:
            get_logger(__name__).warning("ratelimit.redis_unavailable", error=str(exc))
            return RateDecision(True, float(self.burst))
        return RateDecision(bool(int(allowed)), float(tokens), float(wait))

    async def close(self) -> None:
        await self.client.aclose()
