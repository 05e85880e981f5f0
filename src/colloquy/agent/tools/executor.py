"""Running tools: validate arguments, apply rate limits, serve from cache, enforce a timeout.

Every call ends in a :class:`ToolOutcome` rather than an exception, because the agent must
answer the caller whatever happened; the outcome says what to tell them. A tool that
overruns its timeout is abandoned, not killed (Python threads cannot be), so tools must be
side-effect free until their last step, which the desk's are.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from colloquy.agent.tools.cache import MemoryToolCache, ToolCache
from colloquy.agent.tools.definition import ToolDefinition
from colloquy.agent.tools.limits import MemoryRateLimiter, RateLimiter
from colloquy.agent.tools.metrics import ToolMetrics
from colloquy.agent.tools.outcome import ToolOutcome, ToolStatus
from colloquy.agent.tools.registry import ToolRegistry
from colloquy.errors import ColloquyError, NotFoundError
from colloquy.logging import get_logger

Arguments = str | bytes | BaseModel | Mapping[str, object]
T = TypeVar("T")


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "arguments"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


class ToolExecutor:
    def __init__(
        self,
        registry: ToolRegistry,
        *,
        cache: ToolCache | None = None,
        limiter: RateLimiter | None = None,
        metrics: ToolMetrics | None = None,
        max_workers: int = 16,
    ) -> None:
        self.registry = registry
        self.cache = cache if cache is not None else MemoryToolCache()
        self.limiter = limiter if limiter is not None else MemoryRateLimiter()
        self.metrics = metrics if metrics is not None else ToolMetrics()
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="tool")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> ToolExecutor:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    async def acall(self, name: str, arguments: Arguments) -> ToolOutcome:
        """:meth:`call` from async code, without blocking the event loop."""
        return await asyncio.to_thread(self.call, name, arguments)

    def call(self, name: str, arguments: Arguments) -> ToolOutcome:
        started = time.perf_counter()
        try:
            definition = self.registry.get(name)
        except NotFoundError as exc:
            self.metrics.calls.labels(name, ToolStatus.UNKNOWN_TOOL.value).inc()
            return ToolOutcome(
                name, ToolStatus.UNKNOWN_TOOL, _raw(arguments), None, exc.one_line(), False, 0.0
            )
        outcome, internal = self._call(definition, arguments, started)
        self.metrics.calls.labels(name, outcome.status.value).inc()
        self.metrics.latency.labels(name).observe(outcome.latency_s)
        if outcome.status not in (ToolStatus.OK, ToolStatus.RATE_LIMITED):
            kind = "internal" if internal else outcome.status.value
            self.metrics.errors.labels(name, kind).inc()
        return outcome

    def _cache_call(self, action: Callable[[], T], tool: str) -> T | None:
        """Run a cache operation; an unreachable cache only costs a miss, never the call."""
        try:
            return action()
        except Exception as exc:
            _degraded(tool, exc)
            return None

    def _call(
        self, definition: ToolDefinition, arguments: Arguments, started: float
    ) -> tuple[ToolOutcome, bool]:
        """The outcome, and whether it failed from a bug in the tool rather than a refusal."""
        name = definition.name

        def done(
            status: ToolStatus,
            args_json: str,
            result: BaseModel | None = None,
            error: str | None = None,
            cached: bool = False,
            internal: bool = False,
        ) -> tuple[ToolOutcome, bool]:
            elapsed = time.perf_counter() - started
            return ToolOutcome(name, status, args_json, result, error, cached, elapsed), internal

        try:
            params = _validate(definition.parameters, arguments)
        except ValidationError as exc:
            message = f"{name}: {_validation_message(exc)}"
            return done(ToolStatus.INVALID_ARGUMENTS, _raw(arguments), error=message)
        args_json = params.model_dump_json()
        limit = definition.rate_limit
        if limit is not None:
            try:
                bucket = f"{name}:{limit.name}:{limit.key(params)}"
            except ColloquyError as exc:
                return done(ToolStatus.INVALID_ARGUMENTS, args_json, error=exc.one_line())
            try:
                admission = self.limiter.admit(bucket, calls=limit.calls, window_s=limit.window_s)
            except Exception as exc:
                # Failing closed: a limit that cannot be counted is not lifted.
                get_logger(__name__).warning("tool.limiter_unavailable", tool=name, error=str(exc))
                message = f"{name} is unavailable: its rate limit cannot be checked"
                return done(ToolStatus.ERROR, args_json, error=message, internal=True)
            if not admission.allowed:
                minutes = max(1, round(admission.retry_after_s / 60))
                message = (
                    f"{name} is limited to {limit.calls} calls per "
                    f"{limit.window_s / 60:g} minutes for this caller; try again in about "
                    f"{minutes} minute(s)"
                )
                return done(ToolStatus.RATE_LIMITED, args_json, error=message)
        key = f"{name}:{hashlib.sha256(args_json.encode()).hexdigest()}"
        if definition.cache_ttl_s is not None:
            stored = self._cache_call(lambda: self.cache.get(key), name)
            if stored is not None:
                self.metrics.cache_hits.labels(name).inc()
                result = definition.result.model_validate_json(stored)
                return done(ToolStatus.OK, args_json, result, cached=True)
            self.metrics.cache_misses.labels(name).inc()
        future = self._pool.submit(definition.function, params)
        try:
            result = future.result(timeout=definition.timeout_s)
        except FutureTimeout:
            future.cancel()
            message = f"{name} did not answer within {definition.timeout_s:g} s"
            return done(ToolStatus.TIMEOUT, args_json, error=message)
        except ColloquyError as exc:
            return done(ToolStatus.ERROR, args_json, error=exc.one_line())
        except Exception:
            get_logger(__name__).exception("tool.failed", tool=name)
            message = f"{name} failed unexpectedly"
            return done(ToolStatus.ERROR, args_json, error=message, internal=True)
        if not isinstance(result, definition.result):
            message = f"{name} failed unexpectedly: returned {type(result).__name__}"
            return done(ToolStatus.ERROR, args_json, error=message, internal=True)
        if definition.cache_ttl_s is not None:
            payload = result.model_dump_json().encode()
            ttl = definition.cache_ttl_s
            self._cache_call(lambda: self.cache.set(key, payload, ttl), name)
        for other in definition.invalidates:
            self._cache_call(functools.partial(self.cache.delete_prefix, f"{other}:"), name)
        return done(ToolStatus.OK, args_json, result)


def _degraded(tool: str, exc: Exception) -> None:
    # The reason, not the traceback: an outage repeats on every call, and it is not a bug.
    get_logger(__name__).warning("tool.cache_unavailable", tool=tool, error=str(exc))


def _validate(model: type[BaseModel], arguments: Arguments) -> BaseModel:
    if isinstance(arguments, model):
        return arguments
    if isinstance(arguments, BaseModel):
        return model.model_validate(arguments.model_dump())
    if isinstance(arguments, str | bytes):
        return model.model_validate_json(arguments or "{}")
    return model.model_validate(dict(arguments))


def _raw(arguments: Arguments) -> str:
    if isinstance(arguments, bytes):
        return arguments.decode("utf-8", "replace")
    if isinstance(arguments, str):
        return arguments
    if isinstance(arguments, BaseModel):
        return arguments.model_dump_json()
    return json.dumps(dict(arguments), default=str)
