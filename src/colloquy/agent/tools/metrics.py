"""Prometheus metrics of tool calls, in a registry the caller owns (never the global one)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


@dataclass(frozen=True)
class ToolMetrics:
    """``agent_tool_calls_total{tool,status}``, ``agent_tool_errors_total{tool,kind}``,
    ``agent_tool_cache_hits_total{tool}``, ``agent_tool_cache_misses_total{tool}``,
    ``agent_tool_call_seconds{tool}``."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    calls: Counter = field(init=False)
    errors: Counter = field(init=False)
    cache_hits: Counter = field(init=False)
    cache_misses: Counter = field(init=False)
    latency: Histogram = field(init=False)

    def __post_init__(self) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        registry = self.registry
        put(
            "calls",
            Counter(
                "agent_tool_calls", "Tool calls by outcome.", ["tool", "status"], registry=registry
            ),
        )
        put(
            "errors",
            Counter(
                "agent_tool_errors",
                "Failed tool calls by kind (timeout, invalid_arguments, error, internal).",
                ["tool", "kind"],
                registry=registry,
            ),
        )
        put(
            "cache_hits",
            Counter(
                "agent_tool_cache_hits", "Results served from cache.", ["tool"], registry=registry
            ),
        )
        put(
            "cache_misses",
            Counter(
                "agent_tool_cache_misses",
                "Cacheable calls that had to run.",
                ["tool"],
                registry=registry,
            ),
        )
        put(
            "latency",
            Histogram(
                "agent_tool_call_seconds",
                "Wall time of a tool call, cache look-up included.",
                ["tool"],
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
        )
