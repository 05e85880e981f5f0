"""``colloquy pipeline``: run, resume, tune and inspect declarative ML pipelines."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Run, resume, tune and inspect declarative ML pipelines.", no_args_is_help=True
)
