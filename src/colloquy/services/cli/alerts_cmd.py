"""``colloquy alerts``: the alert history that ``monitor run`` wrote, and acknowledgements.

Acknowledging an alert stops its escalation; the alert stays open until its metric
recovers, and suppression keeps applying to it.
"""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Annotated

import typer

from colloquy.services.cli.context import state
from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import OutputFormat, print_json, print_mapping, print_table

if TYPE_CHECKING:
    from colloquy.storage.alerts import AlertRecord

app = typer.Typer(help="List and acknowledge alerts.", no_args_is_help=True)

_COLUMNS = ("id", "rule", "severity", "state", "value", "fired_at", "escalated", "acked_by")


def _as_dict(record: AlertRecord) -> dict[str, object]:
    return {
        "id": record.id,
        "rule": record.rule,
        "group": record.group_key,
        "metric": record.metric,
        "severity": record.severity,
        "state": record.state.value,
        "value": record.value,
        "threshold": record.threshold,
        "fired_at": record.fired_at,
        "last_notified_at": record.last_notified_at,
        "escalated_at": record.escalated_at,
        "acknowledged_at": record.acknowledged_at,
        "acknowledged_by": record.acknowledged_by,
        "resolved_at": record.resolved_at,
        "suppressed": record.suppressed,
    }


@app.command("list")
def list_alerts(
    ctx: typer.Context,
    open_only: Annotated[
        bool, typer.Option("--open", help="Only alerts whose metric is still breached.")
    ] = False,
    unacknowledged: Annotated[
        bool, typer.Option("--unacknowledged", help="Only alerts nobody acknowledged.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Newest N alerts.")] = 50,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Show alerts, newest first, with their deliveries in JSON."""
    from colloquy.storage.alerts import AlertRepository, AlertState

    with state(ctx).open_store() as store:
        repository = AlertRepository(store)
        records = repository.history(
            state=AlertState.OPEN if open_only else None,
            unacknowledged=unacknowledged,
            limit=limit,
        )
        if fmt is OutputFormat.JSON:
            print_json(
                [
                    {
                        **_as_dict(r),
                        "deliveries": [
                            {
                                "channel": d.channel,
                                "kind": d.kind.value,
                                "status": d.status.value,
                                "attempts": d.attempts,
                                "error": d.error,
                                "at": d.at,
                            }
                            for d in repository.deliveries(r.id)
                        ],
                    }
                    for r in records
                ]
            )
            return
    rows = [
        (
            r.id,
            r.rule,
            r.severity,
            r.state.value,
            f"{r.value:.4g}",
            r.fired_at.isoformat(timespec="seconds"),
            "yes" if r.escalated_at else "",
            r.acknowledged_by or "",
        )
        for r in records
    ]
    print_table("alerts", _COLUMNS, rows)


@app.command("ack")
def ack(
    ctx: typer.Context,
    alert_id: Annotated[int, typer.Argument(help="The alert's id from `alerts list`.")],
    by: Annotated[
        str | None, typer.Option("--by", help="Who acknowledges (default: the OS user).")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Acknowledge an alert so it is not escalated."""
    from colloquy.storage.alerts import AlertRepository

    with state(ctx).open_store() as store:
        record = AlertRepository(store).acknowledge(alert_id, by or getpass.getuser())
    if fmt is OutputFormat.JSON:
        print_json(_as_dict(record))
    else:
        print_mapping(f"alert {record.id} acknowledged", _as_dict(record))
