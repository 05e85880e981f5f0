"""In-process sliding-window rate limiter (one process; the default without Redis)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from colloquy.agent.tools.limits.base import Admission, RateLimiter


class MemoryRateLimiter(RateLimiter):
    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, bucket: str, *, calls: int, window_s: float) -> Admission:
        now = self._clock()
        with self._lock:
            seen = self._calls.setdefault(bucket, deque())
            while seen and seen[0] <= now - window_s:
                seen.popleft()
            if len(seen) < calls:
                seen.append(now)
                return Admission(allowed=True)
            return Admission(allowed=False, retry_after_s=seen[0] + window_s - now)
