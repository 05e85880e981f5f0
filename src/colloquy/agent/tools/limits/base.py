"""The rate-limiter seam: a sliding window of admitted calls per bucket."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Admission:
    """Whether a call may go ahead; when not, how long until the window lets one through."""

    allowed: bool
    retry_after_s: float = 0.0


class RateLimiter(ABC):
    @abstractmethod
    def admit(self, bucket: str, *, calls: int, window_s: float) -> Admission:
        """Count one call in ``bucket`` if fewer than ``calls`` happened in ``window_s``."""
