"""The root ``colloquy`` Typer app: global options and the command groups.

Only Typer and the command modules' light top levels are imported here; settings,
logging and everything heavy load inside the callback or the command that needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer._click import Context as ClickContext
from typer.core import TyperGroup

from colloquy import __version__
from colloquy.services.cli import (
    agent_cmd,
    alerts_cmd,
    analyze_cmd,
    api_keys_cmd,
    config_cmd,
    dashboard_cmd,
    data_cmd,
    db_cmd,
    doctor_cmd,
    evaluate_cmd,
    models_cmd,
    monitor_cmd,
    pipeline_cmd,
    predict_cmd,
    prompts_cmd,
    serve_cmd,
    train_cmd,
)
from colloquy.services.cli.context import state
from colloquy.services.cli.main import CommandInterruptedError


class RootGroup(TyperGroup):
    """The root group: lets an interrupt reach :func:`colloquy.services.cli.main.main`."""

    def invoke(self, ctx: ClickContext) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as exc:
            raise CommandInterruptedError from exc


app = typer.Typer(
    name="colloquy",
    cls=RootGroup,
    help="Conversation intelligence: ingest, understand, predict, serve.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
app.add_typer(config_cmd.app, name="config")
app.add_typer(db_cmd.app, name="db")
app.add_typer(data_cmd.app, name="data")
app.add_typer(train_cmd.app, name="train")
app.add_typer(evaluate_cmd.app, name="evaluate")
app.add_typer(predict_cmd.app, name="predict")
app.add_typer(pipeline_cmd.app, name="pipeline")
app.add_typer(models_cmd.app, name="models")
app.add_typer(prompts_cmd.app, name="prompts")
app.add_typer(analyze_cmd.app, name="analyze")
app.add_typer(api_keys_cmd.app, name="api-keys")
app.add_typer(monitor_cmd.app, name="monitor")
app.add_typer(agent_cmd.app, name="agent")
app.command("serve")(serve_cmd.serve)
app.add_typer(alerts_cmd.app, name="alerts")
app.command("doctor")(doctor_cmd.doctor)
app.command("dashboard")(dashboard_cmd.dashboard)


def _version(value: bool) -> None:
    if value:
        print(f"colloquy {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="YAML settings file (see `config show`)."),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """colloquy reads customer conversations and learns from them."""
    # Logging is configured twice: with defaults first, so that warnings raised while the
    # settings load (an unknown COLLOQUY_* variable) are rendered like every other line.
    from colloquy.logging import configure_logging, new_correlation_id

    cli = state(ctx)
    cli.config_file = config
    cli.debug = debug
    new_correlation_id()
    configure_logging("debug" if debug else "info")
    settings = cli.settings
    level = "debug" if debug else settings.logging.level
    configure_logging(level, settings.logging.format)
