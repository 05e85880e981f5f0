"""Rate limiters for tools: in-process by default, Redis when one is configured."""

from colloquy.agent.tools.limits.base import Admission, RateLimiter
from colloquy.agent.tools.limits.memory import MemoryRateLimiter
from colloquy.agent.tools.limits.redis import RedisRateLimiter

__all__ = ["Admission", "MemoryRateLimiter", "RateLimiter", "RedisRateLimiter"]
