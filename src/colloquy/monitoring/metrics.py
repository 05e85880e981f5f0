"""Prometheus collectors for process and database health, and for the monitor itself.

``install_health_collectors(registry, engine)`` adds the process's memory and CPU
(prometheus_client's ``ProcessCollector``, read from /proc) and a database collector to
any registry, e.g. the API's per-app one. The database is probed at scrape time, at most
once per ``ttl`` seconds, so a scraper every few seconds does not become load on it; a
probe that fails reports ``colloquy_database_up 0`` instead of failing the scrape.
``MonitorMetrics`` counts alert evaluations and deliveries and exposes the latest value
of every metric a rule looked at (drift scores among them); ``SchedulerCollector`` says
whether a background schedule runs here and how its latest pass went.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from colloquy.monitoring.alerts.evaluate import EvaluationReport
from colloquy.monitoring.alerts.schedule import SchedulerStatus


@dataclass(frozen=True, slots=True)
class DatabaseProbe:
    up: bool
    seconds: float
    size_bytes: float | None


def probe_database(engine: Engine) -> DatabaseProbe:
    """Round-trip ``SELECT 1`` and read the database size (file size for SQLite)."""
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            if engine.dialect.name == "postgresql":
                size = conn.execute(text("SELECT pg_database_size(current_database())"))
                size_bytes: float | None = float(size.scalar_one())
            else:
                size_bytes = _sqlite_size(engine)
    except SQLAlchemyError:
        return DatabaseProbe(False, time.perf_counter() - started, None)
    return DatabaseProbe(True, time.perf_counter() - started, size_bytes)


def _sqlite_size(engine: Engine) -> float | None:
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    path = Path(database)
    files = [path, path.with_name(path.name + "-wal")]
    return float(sum(f.stat().st_size for f in files if f.exists()))


class DatabaseCollector(Collector):
    """``colloquy_database_up``, ``_probe_seconds`` and ``_size_bytes`` at scrape time."""

    def __init__(self, engine: Engine, *, ttl: float = 15.0) -> None:
        self.engine = engine
        self.ttl = ttl
        self._lock = threading.Lock()
        self._last: tuple[float, DatabaseProbe] | None = None

    def _probe(self) -> DatabaseProbe:
        with self._lock:
            now = time.monotonic()
            if self._last is None or now - self._last[0] >= self.ttl:
                self._last = (now, probe_database(self.engine))
            return self._last[1]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        probe = self._probe()
        backend = self.engine.dialect.name
        up = GaugeMetricFamily(
            "colloquy_database_up", "1 if the store answered SELECT 1.", labels=["backend"]
        )
        up.add_metric([backend], 1.0 if probe.up else 0.0)
        yield up
        latency = GaugeMetricFamily(
            "colloquy_database_probe_seconds",
            "Time the last health probe of the store took.",
            labels=["backend"],
        )
        latency.add_metric([backend], probe.seconds)
        yield latency
        if probe.size_bytes is not None:
            size = GaugeMetricFamily(
                "colloquy_database_size_bytes",
                "Size of the store (SQLite file and WAL, or pg_database_size).",
                labels=["backend"],
            )
            size.add_metric([backend], probe.size_bytes)
            yield size

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())


def install_health_collectors(
    registry: CollectorRegistry, engine: Engine | None, *, ttl: float = 15.0
) -> None:
    """Process memory/CPU (``process_*``) and, given an engine, the database collector."""
    ProcessCollector(registry=registry)
    if engine is not None:
        registry.register(DatabaseCollector(engine, ttl=ttl))


@dataclass(frozen=True)
class MonitorMetrics:
    """What ``monitor run`` (or the API's scheduler) exports about its own work."""

    registry: CollectorRegistry
    evaluations: Counter
    """``colloquy_alert_evaluations_total{rule, status}``: one per rule per pass."""
    deliveries: Counter
    """``colloquy_alert_deliveries_total{channel, outcome}``."""
    values: Gauge
    """``colloquy_monitored_value{rule, metric}``: the value a rule last compared."""

    @classmethod
    def create(cls, registry: CollectorRegistry | None = None) -> MonitorMetrics:
        registry = registry or CollectorRegistry(auto_describe=True)
        return cls(
            registry=registry,
            evaluations=Counter(
                "colloquy_alert_evaluations",
                "Alert rule evaluations by outcome (ok, fired, suppressed, escalated ...).",
                ("rule", "status"),
                registry=registry,
            ),
            deliveries=Counter(
                "colloquy_alert_deliveries",
                "Alert messages by channel and outcome (delivered, failed).",
                ("channel", "outcome"),
                registry=registry,
            ),
            values=Gauge(
                "colloquy_monitored_value",
                "The aggregated value each rule last compared with its threshold.",
                ("rule", "metric"),
                registry=registry,
            ),
        )

    def observe(self, report: EvaluationReport, metric_of: dict[str, str]) -> None:
        """Count one evaluation pass; ``metric_of`` maps rule names to metric names."""
        for outcome in report.rules:
            self.evaluations.labels(outcome.rule, outcome.status.value).inc()
            if outcome.value is not None:
                self.values.labels(outcome.rule, metric_of.get(outcome.rule, "")).set(outcome.value)
        for delivery in report.deliveries:
            result = "delivered" if delivery.delivered else "failed"
            self.deliveries.labels(delivery.channel, result).inc()


class SchedulerCollector(Collector):
    """``colloquy_monitor_*``: passes, failed passes, the latest pass's time, duration and
    success, and whether this process runs the schedule (1) or stands by (0)."""

    def __init__(self, status: Callable[[], SchedulerStatus], leader: Callable[[], bool]) -> None:
        self.status = status
        self.leader = leader

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        status = self.status()
        yield CounterMetricFamily(
            "colloquy_monitor_passes", "Alert evaluation passes run.", value=status.passes
        )
        yield CounterMetricFamily(
            "colloquy_monitor_pass_failures",
            "Passes that failed (metrics unreadable, store away); the schedule went on.",
            value=status.failures,
        )
        yield GaugeMetricFamily(
            "colloquy_monitor_leader",
            "1 if this process runs the alert schedule, 0 if another one holds it.",
            value=1.0 if self.leader() else 0.0,
        )
        if status.last is None:
            return
        yield GaugeMetricFamily(
            "colloquy_monitor_last_pass_timestamp_seconds",
            "When the latest pass started (Unix time).",
            value=status.last.started_at.timestamp(),
        )
        yield GaugeMetricFamily(
            "colloquy_monitor_last_pass_success",
            "1 if the latest pass evaluated every rule, 0 if it failed.",
            value=1.0 if status.last.ok else 0.0,
        )
        yield GaugeMetricFamily(
            "colloquy_monitor_last_pass_duration_seconds",
            "How long the latest pass took, deliveries included.",
            value=status.last.seconds,
        )

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())
