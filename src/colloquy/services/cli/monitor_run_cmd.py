"""``colloquy monitor run``: evaluate alert rules once or on a schedule.

The schedule is :class:`colloquy.monitoring.alerts.schedule.AlertScheduler`: a pass that
fails is logged and the next one runs; channel failures are recorded per delivery.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from colloquy.services.cli.context import state
from colloquy.services.cli.monitor_cmd import monitor_app
from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import OutputFormat, print_json, print_table

if TYPE_CHECKING:
    from colloquy.monitoring.alerts import EvaluationReport


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
    from colloquy.monitoring.alerts import AlertEvaluator, load_alert_config
    from colloquy.monitoring.alerts.rules import parse_duration
    from colloquy.monitoring.alerts.schedule import AlertScheduler
    from colloquy.monitoring.alerts.series import read_series
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
            _render(evaluator.evaluate(read_series(metrics), when or datetime.now(UTC)), fmt)
            return

        def _report(report: EvaluationReport) -> None:
            exported.observe(report, metric_of)
            _render(report, fmt)

        AlertScheduler(
            evaluator, lambda: read_series(metrics), period, on_report=_report
        ).run_forever()


monitor_app.command("run")(run)
