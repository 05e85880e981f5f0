"""Classifying a stage's failure, retrying transient ones, and saying what to do.

* **data** — colloquy's own user-facing errors (bad data, configuration, a missing file or
  model): retrying cannot help; the report says how to fix the input.
* **transient** — a busy or unreachable database, a network hiccup, a timeout: retried
  with bounded exponential back-off (``retries`` in the pipeline file).
* **bug** — anything else: the report keeps the exception type and asks for a bug report
  with the saved failure record.
"""

from __future__ import annotations

import errno
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from colloquy.errors import ColloquyError, DatabaseUnavailableError
from colloquy.pipelines.orchestrator.records import FailureKind
from colloquy.pipelines.spec.schema import RetrySpec

T = TypeVar("T")

_TRANSIENT_ERRNOS = frozenset({errno.EAGAIN, errno.EBUSY, errno.ETIMEDOUT, errno.ECONNRESET})
_TRANSIENT_NAMES = frozenset(
    {"OperationalError", "ConnectError", "ReadTimeout", "ConnectTimeout", "RemoteDisconnected"}
)


class TransientError(ColloquyError):
    """Raised by a component for a failure that may pass if tried again (a busy service)."""

    exit_code = 75  # sysexits' EX_TEMPFAIL


class PipelineFailedError(ColloquyError):
    """A stage failed; the message is the run's failure report in one line."""

    def __init__(self, message: str, *, hint: str, exit_code: int) -> None:
        super().__init__(message, hint=hint)
        self.exit_code = exit_code


def classify(exc: BaseException) -> FailureKind:
    """``data``, ``transient`` or ``bug`` (see the module docstring)."""
    if isinstance(exc, TransientError | DatabaseUnavailableError | TimeoutError):
        return "transient"
    if isinstance(exc, ConnectionError):
        return "transient"
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return "transient"
    if isinstance(exc, OSError) and exc.errno in _TRANSIENT_ERRNOS:
        return "transient"
    if type(exc).__name__ in _TRANSIENT_NAMES and _mentions_busy(exc):
        return "transient"
    if isinstance(exc, ColloquyError):
        return "data"
    return "bug"


def _mentions_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(word in text for word in ("locked", "busy", "timeout", "timed out", "connect"))


def action_for(kind: FailureKind, exc: BaseException, run_id: str) -> str:
    """What the user should do about a failure of ``kind``."""
    if kind == "data":
        hint = exc.hint if isinstance(exc, ColloquyError) else None
        return hint or "fix the input named above, then `colloquy pipeline run` again"
    if kind == "transient":
        return f"the service may be back later: `colloquy pipeline resume {run_id}`"
    return (
        f"this is a bug in the component: report it with the run's failure.json "
        f"(`colloquy pipeline show {run_id}`)"
    )


def with_retries(
    work: Callable[[], T],
    retry: RetrySpec,
    *,
    on_retry: Callable[[int, BaseException, float], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[T, int]:
    """``work()`` and the attempts it took; transient failures retried with back-off."""
    attempt = 1
    while True:
        try:
            return work(), attempt
        except Exception as exc:
            if classify(exc) != "transient" or attempt >= retry.attempts:
                exc.add_note(f"colloquy-attempts={attempt}")
                raise
            wait = min(retry.backoff_seconds * 2 ** (attempt - 1), retry.max_backoff_seconds)
            if on_retry is not None:
                on_retry(attempt, exc, wait)
            sleep(wait)
            attempt += 1


def attempts_of(exc: BaseException) -> int:
    """The attempts :func:`with_retries` recorded on ``exc`` (1 when it did not)."""
    for note in getattr(exc, "__notes__", ()):
        if note.startswith("colloquy-attempts="):
            return int(note.partition("=")[2])
    return 1
