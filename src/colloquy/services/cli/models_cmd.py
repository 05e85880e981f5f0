"""``colloquy models``: the model registry (versions and aliases)."""

from __future__ import annotations

import typer

app = typer.Typer(help="List, inspect and promote registered models.", no_args_is_help=True)
