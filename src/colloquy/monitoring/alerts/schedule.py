"""Evaluation on a schedule, for ``colloquy monitor run`` and a background thread in a service.

A pass that raises (the metrics source unreadable, the database away for a moment) is
logged and counted, and the next pass runs on time: the schedule only ends when asked.
Channel failures never get here; the evaluator records them per delivery.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from colloquy.errors import ColloquyError
from colloquy.logging import get_logger
from colloquy.monitoring.alerts.evaluate import AlertEvaluator, EvaluationReport, MetricPoint

SeriesSource = Callable[[], Mapping[str, Sequence[MetricPoint]]]


@dataclass(frozen=True, slots=True)
class PassRecord:
    """How the latest pass went: when, how long, and its report or its error."""

    started_at: datetime
    seconds: float
    report: EvaluationReport | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class SchedulerStatus:
    """Counts since start and the latest pass, read by a status page or a metrics scrape."""

    passes: int
    failures: int
    last: PassRecord | None


class AlertScheduler:
    """Runs ``evaluator`` over ``source()`` every ``interval`` until :meth:`stop`."""

    def __init__(
        self,
        evaluator: AlertEvaluator,
        source: SeriesSource,
        interval: timedelta,
        *,
        on_report: Callable[[EvaluationReport], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.evaluator = evaluator
        self.source = source
        self.interval = interval
        self.on_report = on_report
        self.clock = clock
        self.passes = 0
        self.failures = 0
        self.last: PassRecord | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> EvaluationReport | None:
        """One pass; ``None`` when it failed (logged, counted in ``failures``)."""
        started_at = self.clock()
        began = time.monotonic()
        try:
            report = self.evaluator.evaluate(self.source(), started_at)
            if self.on_report is not None:
                self.on_report(report)
        except Exception as exc:  # one bad pass must not end the schedule
            if isinstance(exc, ColloquyError):
                message = exc.one_line()
            else:
                message = f"{type(exc).__name__}: {exc}"
            get_logger(__name__).error("monitor.pass_failed", error=message)
            self._finish(PassRecord(started_at, time.monotonic() - began, None, message))
            return None
        self._finish(PassRecord(started_at, time.monotonic() - began, report, None))
        return report

    def _finish(self, record: PassRecord) -> None:
        self.passes += 1
        if not record.ok:
            self.failures += 1
        self.last = record

    def status(self) -> SchedulerStatus:
        return SchedulerStatus(self.passes, self.failures, self.last)

    def run_forever(self) -> None:
        """Pass after pass, each ``interval`` after the previous one started."""
        while not self._stop.is_set():
            started = time.monotonic()
            self.run_once()
            remaining = self.interval.total_seconds() - (time.monotonic() - started)
            self._stop.wait(max(0.0, remaining))

    def start(self) -> None:
        """Run in a daemon thread (a service's background scheduler)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self.run_forever, name="alerts", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
