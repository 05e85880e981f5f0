"""The root ``colloquy`` Typer app: global options and the command groups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from colloquy import __version__
from colloquy.logging import configure_logging, new_correlation_id
from colloquy.services.cli import (
    config_cmd,
    data_cmd,
    db_cmd,
    evaluate_cmd,
    predict_cmd,
    train_cmd,
)
from colloquy.services.cli.context import state

app = typer.Typer(
    name="colloquy",
    help="Conversation intelligence: ingest, understand, predict, serve.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(config_cmd.app, name="config")
app.add_typer(db_cmd.app, name="db")
app.add_typer(data_cmd.app, name="data")
app.add_typer(train_cmd.app, name="train")
app.add_typer(evaluate_cmd.app, name="evaluate")
app.add_typer(predict_cmd.app, name="predict")


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
    cli = state(ctx)
    cli.config_file = config
    cli.debug = debug
    settings = cli.settings
    level = "debug" if debug else settings.logging.level
    configure_logging(level, settings.logging.format)
    new_correlation_id()
