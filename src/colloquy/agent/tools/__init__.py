"""Tools the agent can call: a typed ``@tool`` registry and an executor with a timeout,
a result cache (in-process or Redis), rate limits and Prometheus metrics.

::

    registry = ToolRegistry()

    @registry.tool(cache_ttl_s=1800)
    def search_knowledge_base(args: SearchArgs) -> SearchResult:
        "Find knowledge-base articles that answer a question."

    client.chat(messages, tools=registry.specs())
    outcome = ToolExecutor(registry).call("search_knowledge_base", tool_call.arguments)
"""

from colloquy.agent.tools.cache import MemoryToolCache, RedisToolCache, ToolCache, cache_from_url
from colloquy.agent.tools.definition import DEFAULT_TIMEOUT_S, RateLimit, ToolDefinition
from colloquy.agent.tools.executor import Arguments, ToolExecutor
from colloquy.agent.tools.limits import (
    Admission,
    MemoryRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    limiter_from_url,
)
from colloquy.agent.tools.metrics import ToolMetrics
from colloquy.agent.tools.outcome import ToolOutcome, ToolStatus
from colloquy.agent.tools.registry import ToolRegistry

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "Admission",
    "Arguments",
    "MemoryRateLimiter",
    "MemoryToolCache",
    "RateLimit",
    "RateLimiter",
    "RedisRateLimiter",
    "RedisToolCache",
    "ToolCache",
    "ToolDefinition",
    "ToolExecutor",
    "ToolMetrics",
    "ToolOutcome",
    "ToolRegistry",
    "ToolStatus",
    "cache_from_url",
    "limiter_from_url",
]
