"""``colloquy dashboard``: the Streamlit dashboard on the CLI's store and MLflow folder.

The command checks the store opens (a broken URL fails here, with the fix, not as an
empty page), then runs ``streamlit run`` on the app module in this process, passing its
options through as script arguments (see :mod:`colloquy.services.dashboard.config`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from colloquy.services.cli.context import state
from colloquy.services.cli.render import stderr


def dashboard(
    ctx: typer.Context,
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8501,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (0.0.0.0 to share on a network).")
    ] = "127.0.0.1",
    conversion_model: Annotated[
        str | None,
        typer.Option(
            "--conversion-model",
            help="A conversion model directory or NAME@ALIAS: scores, explanations, replays.",
        ),
    ] = None,
    drift_metrics: Annotated[
        Path | None,
        typer.Option(
            "--drift-metrics",
            help="Drift metric points (`monitor report --metrics-out`); "
            "default <home>/drift-metrics.jsonl.",
        ),
    ] = None,
    refresh: Annotated[
        int, typer.Option("--refresh", min=5, help="Seconds between live refreshes.")
    ] = 60,
) -> None:
    """Open the dashboard: overview, intents, flow, failures, sentiment, conversion,
    models, monitoring and agent sessions, with filters kept in the URL."""
    from colloquy.extras import require

    require("streamlit", extra="dashboard", feature="the dashboard")
    from streamlit.web import bootstrap

    from colloquy.services.dashboard import app_path
    from colloquy.services.dashboard.config import DashboardConfig

    cli = state(ctx)
    cli.open_store().close()
    config = DashboardConfig(
        config_file=cli.config_file,
        conversion_model=conversion_model,
        drift_metrics=drift_metrics,
        refresh_seconds=refresh,
    )
    stderr.print(f"dashboard on http://{host}:{port}")
    bootstrap.load_config_options(
        flag_options={
            "server.port": port,
            "server.address": host,
            "server.headless": True,
            "browser.gatherUsageStats": False,
            "global.developmentMode": False,
            "client.toolbarMode": "viewer",
        }
    )
    bootstrap.run(str(app_path()), False, config.to_args(), {})
