"""Token buckets in this process: exact for one worker, per-worker with several."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from colloquy.services.api.ratelimit import RateDecision, RateLimiter


class InProcessRateLimiter(RateLimiter):
    """Buckets in a dictionary; ``clock`` is injectable so tests need not sleep."""

    name = "memory"

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(rate, burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    async def acquire(self, key: str, cost: float = 1.0) -> RateDecision:
        now = self._clock()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + max(0.0, now - stamp) * self.rate)
            if tokens >= cost:
                self._buckets[key] = (tokens - cost, now)
                return RateDecision(True, tokens - cost)
            self._buckets[key] = (tokens, now)
            return RateDecision(False, tokens, (cost - tokens) / self.rate)
