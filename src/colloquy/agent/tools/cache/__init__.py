"""Tool-result caches: in-process by default, Redis when one is configured."""

from colloquy.agent.tools.cache.base import ToolCache
from colloquy.agent.tools.cache.memory import MemoryToolCache
from colloquy.agent.tools.cache.redis import RedisToolCache


def cache_from_url(url: str | None) -> ToolCache:
    """Redis at ``url`` when given, otherwise an in-process cache."""
    return RedisToolCache.from_url(url) if url else MemoryToolCache()


__all__ = ["MemoryToolCache", "RedisToolCache", "ToolCache", "cache_from_url"]
