"""The rate-limiter seam: a token bucket per API key, with the wait a refusal implies.

Each key's bucket holds up to ``burst`` tokens and refills at ``rate`` tokens per second;
a request takes one. A refused request is told, in ``Retry-After``, how many whole seconds
until a token is back. Adapters: :mod:`.ratelimit_memory` (one process) and
:mod:`.ratelimit_redis` (a Lua script, atomic in Redis, shared by workers and instances).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass

from fastapi import FastAPI, Request


@dataclass(frozen=True)
class RateDecision:
    """Whether one request may go ahead; ``retry_after`` seconds when it may not."""

    allowed: bool
    remaining: float
    retry_after: float = 0.0

    @property
    def retry_after_header(self) -> str:
        """``Retry-After`` in whole seconds, at least 1 (RFC 9110 allows no fractions)."""
        return str(max(1, math.ceil(self.retry_after)))


class RateLimiter(ABC):
    """Token buckets by key."""

    name: str = "limiter"

    def __init__(self, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst

    @abstractmethod
    async def acquire(self, key: str, cost: float = 1.0) -> RateDecision: ...

    async def close(self) -> None:  # noqa: B027 - adapters without connections keep it
        """Release connections; the in-process limiter holds none."""


def limiter_of(app_or_request: FastAPI | Request) -> RateLimiter | None:
    """The app's limiter, or ``None`` when rate limiting is off."""
    app = app_or_request.app if isinstance(app_or_request, Request) else app_or_request
    limiter = getattr(app.state, "limiter", None)
    return limiter if isinstance(limiter, RateLimiter) else None
