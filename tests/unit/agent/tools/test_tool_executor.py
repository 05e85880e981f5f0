"""The executor: validation, timeout, cache with TTL, rate limits, errors and metrics."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry
from pydantic import BaseModel, Field

from colloquy.agent.tools import (
    MemoryRateLimiter,
    MemoryToolCache,
    RateLimit,
    ToolExecutor,
    ToolMetrics,
    ToolRegistry,
    ToolStatus,
)
from colloquy.errors import NotFoundError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class LookupArgs(BaseModel):
    key: str = Field(min_length=1)


class LookupResult(BaseModel):
    key: str
    value: int


class Harness:
    def __init__(self) -> None:
        self.clock = Clock()
        self.runs = 0
        self.release = threading.Event()
        self.metrics = ToolMetrics(CollectorRegistry())
        registry = ToolRegistry()

        @registry.tool(cache_ttl_s=30)
        def lookup(args: LookupArgs) -> LookupResult:
            """Look a key up."""
            self.runs += 1
            if args.key == "missing":
                raise NotFoundError("no such key", hint="try another")
            if args.key == "boom":
                raise RuntimeError("bug")
            return LookupResult(key=args.key, value=len(args.key))

        @registry.tool(timeout_s=0.05)
        def slow(args: LookupArgs) -> LookupResult:
            """Wait until released."""
            self.release.wait(5)
            return LookupResult(key=args.key, value=0)

        @registry.tool(rate_limit=RateLimit(2, 60, key=lambda a: getattr(a, "key", "")))
        def limited(args: LookupArgs) -> LookupResult:
            """Allowed twice a minute per key."""
            return LookupResult(key=args.key, value=1)

        @registry.tool(invalidates=("lookup",))
        def change(args: LookupArgs) -> LookupResult:
            """Changes what lookup would answer."""
            return LookupResult(key=args.key, value=2)

        self.executor = ToolExecutor(
            registry,
            cache=MemoryToolCache(clock=self.clock),
            limiter=MemoryRateLimiter(clock=self.clock),
            metrics=self.metrics,
        )

    def sample(self, name: str, **labels: str) -> float:
        value = self.metrics.registry.get_sample_value(name, labels)
        return 0.0 if value is None else value


@pytest.fixture
def harness() -> Iterator[Harness]:
    made = Harness()
    yield made
    made.release.set()
    made.executor.close()


def test_second_call_is_served_from_cache_until_the_ttl_passes(harness: Harness) -> None:
    first = harness.executor.call("lookup", '{"key": "abc"}')
    second = harness.executor.call("lookup", {"key": "abc"})
    assert first.ok
    assert not first.cached
    assert second.cached
    assert second.result == first.result
    assert harness.runs == 1
    assert harness.sample("agent_tool_cache_hits_total", tool="lookup") == 1
    assert harness.sample("agent_tool_cache_misses_total", tool="lookup") == 1
    harness.clock.now += 31
    assert not harness.executor.call("lookup", {"key": "abc"}).cached
    assert harness.runs == 2


def test_a_call_that_changes_data_drops_the_stale_results(harness: Harness) -> None:
    harness.executor.call("lookup", {"key": "abc"})
    harness.executor.call("change", {"key": "abc"})
    assert not harness.executor.call("lookup", {"key": "abc"}).cached


def test_a_tool_past_its_timeout_is_abandoned(harness: Harness) -> None:
    outcome = harness.executor.call("slow", {"key": "x"})
    assert outcome.status is ToolStatus.TIMEOUT
    assert outcome.error == "slow did not answer within 0.05 s"
    assert '"status": "timeout"' in outcome.content()
    assert harness.sample("agent_tool_errors_total", tool="slow", kind="timeout") == 1


def test_rate_limit_counts_per_key_within_the_window(harness: Harness) -> None:
    statuses = [harness.executor.call("limited", {"key": "a"}).status for _ in range(3)]
    assert statuses == [ToolStatus.OK, ToolStatus.OK, ToolStatus.RATE_LIMITED]
    assert harness.executor.call("limited", {"key": "b"}).ok
    refused = harness.executor.call("limited", {"key": "a"})
    assert refused.error is not None
    assert "2 calls per 1 minutes" in refused.error
    harness.clock.now += 61
    assert harness.executor.call("limited", {"key": "a"}).ok


def test_bad_arguments_and_failures_become_outcomes(harness: Harness) -> None:
    invalid = harness.executor.call("lookup", '{"key": ""}')
    assert invalid.status is ToolStatus.INVALID_ARGUMENTS
    assert invalid.error == "lookup: key: String should have at least 1 character"
    assert harness.executor.call("lookup", "not json").status is ToolStatus.INVALID_ARGUMENTS
    refused = harness.executor.call("lookup", {"key": "missing"})
    assert (refused.status, refused.error) == (ToolStatus.ERROR, "no such key — try another")
    crashed = harness.executor.call("lookup", {"key": "boom"})
    assert crashed.error == "lookup failed unexpectedly"
    assert harness.sample("agent_tool_errors_total", tool="lookup", kind="internal") == 1
    unknown = harness.executor.call("nope", "{}")
    assert unknown.status is ToolStatus.UNKNOWN_TOOL
    assert unknown.error is not None
    assert "known tools: change, limited, lookup, slow" in unknown.error
    assert harness.sample("agent_tool_calls_total", tool="lookup", status="error") == 2
    assert harness.sample("agent_tool_call_seconds_count", tool="lookup") == 4


def test_async_call_runs_off_the_event_loop(harness: Harness) -> None:
    outcome = asyncio.run(harness.executor.acall("lookup", {"key": "zz"}))
    assert outcome.result == LookupResult(key="zz", value=2)
