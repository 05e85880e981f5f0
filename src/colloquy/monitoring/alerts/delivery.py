"""Sending one notification through one channel: retries with doubling back-off.

A failure never escapes: after the last attempt the outcome says ``failed`` with the
error, and the evaluator records it in the alert history, so an alert whose webhook was
down is visible (and the scheduler keeps running) rather than lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from colloquy.logging import get_logger
from colloquy.monitoring.alerts.channels.base import Channel, ChannelError, Notification


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    channel: str
    delivered: bool
    attempts: int
    error: str | None


def deliver(
    channel: Channel,
    notification: Notification,
    *,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryOutcome:
    """Try ``1 + retries`` times, waiting ``backoff``, ``2 * backoff``, ... in between."""
    error: str | None = None
    for attempt in range(1, retries + 2):
        try:
            channel.send(notification)
        except ChannelError as exc:
            error = exc.one_line()
        except Exception as exc:  # a bug in one channel must not stop the scheduler
            error = f"{type(exc).__name__}: {exc}"
        else:
            return DeliveryOutcome(channel.name, True, attempt, None)
        get_logger(__name__).warning(
            "alert.delivery_failed", channel=channel.name, attempt=attempt, error=error
        )
        if attempt <= retries:
            sleep(backoff * 2 ** (attempt - 1))
    return DeliveryOutcome(channel.name, False, retries + 1, error)
