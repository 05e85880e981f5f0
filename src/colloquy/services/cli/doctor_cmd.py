"""``colloquy doctor``: check the installation and say what to fix (exit 1 on a failure)."""

from __future__ import annotations

from typing import Annotated

import typer

from colloquy.services.cli.context import state
from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import OutputFormat, print_json, print_table


def doctor(
    ctx: typer.Context,
    skip_model: Annotated[
        bool, typer.Option("--skip-model", help="Do not load the sentence encoder (faster).")
    ] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Check the database, model, disk, optional services and extras."""
    from colloquy.monitoring.doctor import CheckStatus, run_checks

    checks = run_checks(state(ctx).settings, load_model=not skip_model)
    if fmt is OutputFormat.JSON:
        print_json(
            [
                {"check": c.name, "status": c.status.value, "detail": c.detail, "fix": c.fix}
                for c in checks
            ]
        )
    else:
        rows = [(c.name, c.status.value, c.detail, c.fix or "") for c in checks]
        print_table("colloquy doctor", ("check", "status", "detail", "fix"), rows)
    if any(c.status is CheckStatus.FAIL for c in checks):
        raise typer.Exit(1)
