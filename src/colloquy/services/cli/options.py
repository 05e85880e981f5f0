"""Options shared by several commands, declared once so their names and help agree."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from colloquy.services.cli.render import OutputFormat

BackendOption = Annotated[
    Literal["torch", "onnx", "onnx-int8"] | None,
    typer.Option("--backend", help="Encoder runtime: torch, onnx or onnx-int8 (fastest)."),
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
