"""When to try an LLM call again, and how long to wait first.

Rate limits (429) and overloaded servers (502, 503, 504, and a plain 500 on some
providers) are transient; a wrong key (401) or model (404) is not, and retrying it only
hides the message. The wait grows exponentially with jitter, but a server's own
``Retry-After`` wins (capped, so a misconfigured header cannot hang a command).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``max_retries`` extra attempts, waiting ``base_delay_s * 2**attempt`` (jittered)."""

    max_retries: int = 2
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.base_delay_s < 0 or self.max_delay_s < 0:
            raise ValueError("delays must be >= 0")

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (0 = the first retry)."""
        told = parse_retry_after(retry_after)
        if told is not None:
            return min(told, self.max_delay_s)
        backoff = self.base_delay_s * (2**attempt)
        backoff *= 1 + random.uniform(-self.jitter, self.jitter)
        return float(max(0.0, min(backoff, self.max_delay_s)))


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds: either delta-seconds or an HTTP date; ``None`` if absent."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


__all__ = ["RETRYABLE_STATUS", "RetryPolicy", "parse_retry_after"]
