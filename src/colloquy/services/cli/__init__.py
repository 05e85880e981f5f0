"""The ``colloquy`` command line.

``app`` is resolved on first access: the console script imports :mod:`.main`, which
answers ``--version`` before Typer and the command modules are imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from colloquy.services.cli.main import main

if TYPE_CHECKING:
    from colloquy.services.cli.app import app

__all__ = ["app", "main"]


def __getattr__(name: str) -> object:
    if name != "app":
        raise AttributeError(f"module 'colloquy.services.cli' has no attribute {name!r}")
    from colloquy.services.cli.app import app

    return app
