"""Rate limiters for tools: in-process by default, Redis when one is configured."""

from colloquy.agent.tools.limits.base import Admission, RateLimiter
from colloquy.agent.tools.limits.memory import MemoryRateLimiter
from colloquy.agent.tools.limits.redis import RedisRateLimiter


def limiter_from_url(url: str | None) -> RateLimiter:
    """Redis at ``url`` when given (limits shared by every process), otherwise in-process."""
    return RedisRateLimiter.from_url(url) if url else MemoryRateLimiter()


__all__ = ["Admission", "MemoryRateLimiter", "RateLimiter", "RedisRateLimiter", "limiter_from_url"]
