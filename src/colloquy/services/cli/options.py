"""Options shared by several commands, declared once so their names and help agree."""

from __future__ import annotations

from typing import Annotated

import typer

from colloquy.models.choices import BACKENDS, Backend
from colloquy.services.cli.render import OutputFormat

BackendOption = Annotated[
    Backend | None,
    typer.Option(
        "--backend",
        help=f"Encoder runtime: {', '.join(BACKENDS)} (default: the int8 ONNX encoder "
        "stored with the model).",
    ),
]

FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        help="table for people; json for scripts (one document on stdout, errors as JSON "
        "on stderr).",
    ),
]
