"""``colloquy monitor run``: evaluate alert rules once or on a schedule.

A pass that fails (an unreadable metrics file, a database hiccup) is logged and the
schedule goes on; channel failures never reach here, they are recorded per delivery.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from colloquy.errors import ColloquyError
from colloquy.services.cli.context import state
from colloquy.services.cli.monitor_cmd import monitor_app
from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import OutputFormat, print_json, print_table

if TYPE_CHECKING:
    from colloquy.monitoring.alerts import AlertEvaluator, EvaluationReport


def _pass(evaluator: AlertEvaluator, metrics: Path, at: datetime) -> EvaluationReport:
    from colloquy.monitoring.alerts.series import read_series

    return evaluator.evaluate(read_series(metrics), at)


def _render(report: EvaluationReport, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.JSON:
        print_json(
            {
                "at": report.at,
                "rules": [
                    {
                        "rule": o.rule,
                        "status": o.status.value,
                        "value": o.value,
                        "alert": o.alert_id,
                    }
                    for o in report.rules
                ],
                "deliveries": [
                    {
                        "channel": d.channel,
                        "delivered": d.delivered,
                        "attempts": d.attempts,
                        "error": d.error,
                    }
                    for d in report.deliveries
                ],
            }
        )
        return
    rows = [
        (o.rule, o.status.value, "" if o.value is None else f"{o.value:.4g}", o.alert_id or "")
        for o in report.rules
    ]
    print_table(
        f"alert rules at {report.at.isoformat(timespec='seconds')}",
        ("rule", "status", "value", "alert"),
        rows,
    )


def run(
    ctx: typer.Context,
    rules: Annotated[Path, typer.Option("--rules", help="The alert rules YAML file.")],
    metrics: Annotated[
        Path,
        typer.Option("--metrics", help='JSON lines of {"metric", "at", "value"} to evaluate.'),
    ],
    once: Annotated[bool, typer.Option("--once", help="Evaluate one pass and exit.")] = False,
    interval: Annotated[
        str, typer.Option("--interval", help="Time between passes, e.g. 60s, 15m, 1h.")
    ] = "5m",
    at: Annotated[
        datetime | None,
        typer.Option("--at", help="Evaluate as of this time (ISO 8601; default now, --once)."),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port", min=1, max=65535, help="Serve Prometheus metrics on this port."
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Evaluate alert rules over metric series and send what fires."""
    from colloquy.errors import ConfigError, UsageError
    from colloquy.logging import get_logger
    from colloquy.monitoring.alerts import AlertEvaluator, load_alert_config
    from colloquy.monitoring.alerts.rules import parse_duration
    from colloquy.monitoring.metrics import MonitorMetrics, install_health_collectors
    from colloquy.storage.alerts import AlertRepository

    try:
        period = parse_duration(interval)
    except ValueError as exc:
        raise ConfigError(f"--interval: {exc}") from None
    if at is not None and not once:
        raise UsageError("--at needs --once", hint="a schedule always evaluates as of now")
    config = load_alert_config(rules)
    when = at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at
    with state(ctx).open_store() as store:
        evaluator = AlertEvaluator(config, AlertRepository(store))
        exported = MonitorMetrics.create()
        metric_of = {name: rule.metric for name, rule in config.rules.items()}
        if metrics_port is not None:
            from prometheus_client import start_http_server

            install_health_collectors(exported.registry, store.engine)
            start_http_server(metrics_port, registry=exported.registry)
        if once:
            _render(_pass(evaluator, metrics, when or datetime.now(UTC)), fmt)
            return
        log = get_logger(__name__)
        while True:
            started = time.monotonic()
            try:
                report = _pass(evaluator, metrics, datetime.now(UTC))
                exported.observe(report, metric_of)
                _render(report, fmt)
            except ColloquyError as exc:
                log.error("monitor.pass_failed", error=exc.one_line())
            time.sleep(
                max(0.0, (period - timedelta(seconds=time.monotonic() - started)).total_seconds())
            )


monitor_app.command("run")(run)
