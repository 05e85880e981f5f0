"""The ``colloquy`` command line."""

from colloquy.services.cli.app import app
from colloquy.services.cli.main import main

__all__ = ["app", "main"]
