"""The API's background alert schedule and ``GET /v1/monitoring/status``.

With an alert rules file configured (``COLLOQUY_API_MONITOR_RULES``) the API evaluates
the rules every ``COLLOQUY_API_MONITOR_INTERVAL_SECONDS`` over the metric points in
``COLLOQUY_API_MONITOR_METRICS`` (JSON lines, what ``colloquy monitor report
--metrics-out`` appends), exactly as ``colloquy monitor run`` would, so a deployment
needs no separate cron job. A bad rules file stops the start-up with its file and line;
a pass that fails later is logged and shown here, and the next one runs on time. Of
several workers on one machine only one evaluates (:mod:`colloquy.monitoring.alerts.lease`).
Shutdown waits for a running pass to finish, so an alert is never left half-recorded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.concurrency import run_in_threadpool

from colloquy.errors import ColloquyError
from colloquy.logging import get_logger
from colloquy.monitoring.alerts import AlertEvaluator, EvaluationReport, load_alert_config
from colloquy.monitoring.alerts.lease import FileLease
from colloquy.monitoring.alerts.schedule import AlertScheduler, PassRecord
from colloquy.monitoring.alerts.series import read_series
from colloquy.monitoring.metrics import MonitorMetrics, SchedulerCollector
from colloquy.services.api.problems import PROBLEM_RESPONSES
from colloquy.services.api.security import Principal, Scope, require_scope
from colloquy.services.api.settings import ApiSettings
from colloquy.storage import Store
from colloquy.storage.alerts import AlertRepository

router = APIRouter(prefix="/v1/monitoring", tags=["monitoring"], responses=PROBLEM_RESPONSES)

SHUTDOWN_WAIT_SECONDS = 30.0


class MonitorSettings(BaseSettings):
    """``COLLOQUY_API_MONITOR_*``: environment variables, like every API setting, so each
    uvicorn worker rebuilds them."""

    model_config = SettingsConfigDict(env_prefix="COLLOQUY_API_MONITOR_", extra="ignore")

    rules: Path | None = Field(
        default=None, description="Alert rules YAML; set = evaluate it in the background"
    )
    metrics: Path | None = Field(
        default=None,
        description="JSON-lines metric points the rules read; unset = <home>/monitoring/"
        "metrics.jsonl",
    )
    interval_seconds: float = Field(default=300.0, gt=0, description="Time between passes")


class BackgroundMonitor:
    """The schedule of one app: an asyncio task that runs each pass in a worker thread."""

    def __init__(
        self,
        scheduler: AlertScheduler,
        lease: FileLease,
        *,
        rules_file: Path,
        metrics_file: Path,
        interval: float,
    ) -> None:
        self.scheduler = scheduler
        self.lease = lease
        self.rules_file = rules_file
        self.metrics_file = metrics_file
        self.interval = interval
        self.next_run_at: datetime | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="colloquy-alerts")

    async def _run(self) -> None:
        log = get_logger(__name__)
        while not self._stop.is_set():
            began = time.monotonic()
            try:
                leading = self.lease.acquire()
            except ColloquyError as exc:
                log.error("monitor.lease_failed", error=exc.one_line())
                leading = False
            if leading:
                await run_in_threadpool(self.scheduler.run_once)
            remaining = max(0.0, self.interval - (time.monotonic() - began))
            self.next_run_at = datetime.now(UTC) + timedelta(seconds=remaining)
            try:
                await asyncio.wait_for(self._stop.wait(), timeout=remaining)
            except TimeoutError:
                continue

    async def stop(self) -> None:
        """Let a running pass finish (up to a limit), then end the task and free the lease."""
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=SHUTDOWN_WAIT_SECONDS)
            except TimeoutError:
                get_logger(__name__).warning("monitor.stop_timed_out")
            self._task = None
        self.lease.release()


def _build(app: FastAPI, settings: ApiSettings, config: MonitorSettings) -> BackgroundMonitor:
    assert config.rules is not None
    home = settings.core().resolved_home
    rules = load_alert_config(config.rules)
    metrics_file = config.metrics or home / "monitoring" / "metrics.jsonl"
    exported = MonitorMetrics.create(app.state.metrics.registry)
    metric_of = {name: rule.metric for name, rule in rules.rules.items()}
    store: Store = app.state.store

    def observe(report: EvaluationReport) -> None:
        exported.observe(report, metric_of)

    scheduler = AlertScheduler(
        AlertEvaluator(rules, AlertRepository(store)),
        lambda: read_series(metrics_file),
        timedelta(seconds=config.interval_seconds),
        on_report=observe,
    )
    lease = FileLease(home / "monitoring" / "scheduler.lock")
    lease.acquire()
    monitor = BackgroundMonitor(
        scheduler,
        lease,
        rules_file=config.rules,
        metrics_file=metrics_file,
        interval=config.interval_seconds,
    )
    app.state.metrics.registry.register(SchedulerCollector(scheduler.status, lambda: lease.held))
    return monitor


@asynccontextmanager
async def lifespan(app: FastAPI, settings: ApiSettings) -> AsyncIterator[None]:
    config = MonitorSettings()
    if config.rules is None:
        app.state.monitor = None
        yield
        return
    monitor = await run_in_threadpool(_build, app, settings, config)
    app.state.monitor = monitor
    monitor.start()
    get_logger(__name__).info(
        "monitor.started",
        rules=str(config.rules),
        metrics=str(monitor.metrics_file),
        interval_seconds=config.interval_seconds,
        leader=monitor.lease.held,
    )
    try:
        yield
    finally:
        await monitor.stop()
        get_logger(__name__).info("monitor.stopped", passes=monitor.scheduler.passes)


class RuleOut(BaseModel):
    rule: str = Field(examples=["intent-mix"])
    status: str = Field(examples=["fired"])
    value: float | None = Field(examples=[0.27])
    alert: int | None = Field(examples=[12])


class DeliveryOut(BaseModel):
    channel: str = Field(examples=["hook"])
    delivered: bool
    attempts: int
    error: str | None


class PassOut(BaseModel):
    """The latest pass: every rule's outcome and every delivery, or why it failed."""

    started_at: datetime
    seconds: float
    ok: bool
    error: str | None
    rules: list[RuleOut]
    deliveries: list[DeliveryOut]

    @classmethod
    def of(cls, record: PassRecord) -> PassOut:
        report = record.report
        return cls(
            started_at=record.started_at,
            seconds=record.seconds,
            ok=record.ok,
            error=record.error,
            rules=[
                RuleOut(rule=o.rule, status=o.status.value, value=o.value, alert=o.alert_id)
                for o in (report.rules if report is not None else ())
            ],
            deliveries=[
                DeliveryOut(
                    channel=d.channel, delivered=d.delivered, attempts=d.attempts, error=d.error
                )
                for d in (report.deliveries if report is not None else ())
            ],
        )


class MonitoringStatus(BaseModel):
    """Whether this worker evaluates alert rules, how often, and how its last pass went."""

    enabled: bool
    role: Literal["leader", "standby", "disabled"] = Field(
        description="leader: this worker evaluates; standby: another worker on this machine does"
    )
    detail: str = ""
    rules_file: str | None = None
    metrics_file: str | None = None
    interval_seconds: float | None = None
    rules: list[str] = Field(default_factory=list)
    passes: int = 0
    failures: int = 0
    next_run_at: datetime | None = None
    last_run: PassOut | None = None


@router.get(
    "/status",
    response_model=MonitoringStatus,
    summary="The background alert schedule: enabled, last pass, next pass",
)
async def status(
    request: Request, _: Annotated[Principal, Depends(require_scope(Scope.READ))]
) -> MonitoringStatus:
    monitor: BackgroundMonitor | None = getattr(request.app.state, "monitor", None)
    if monitor is None:
        return MonitoringStatus(
            enabled=False,
            role="disabled",
            detail="set COLLOQUY_API_MONITOR_RULES to an alert rules file to evaluate it here",
        )
    current = monitor.scheduler.status()
    return MonitoringStatus(
        enabled=True,
        role="leader" if monitor.lease.held else "standby",
        rules_file=str(monitor.rules_file),
        metrics_file=str(monitor.metrics_file),
        interval_seconds=monitor.interval,
        rules=list(monitor.scheduler.evaluator.config.rules),
        passes=current.passes,
        failures=current.failures,
        next_run_at=monitor.next_run_at,
        last_run=PassOut.of(current.last) if current.last is not None else None,
    )
