"""Options shared by several commands."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

BackendOption = Annotated[
    Literal["torch", "onnx", "onnx-int8"] | None,
    typer.Option("--backend", help="Encoder runtime: torch, onnx or onnx-int8 (fastest)."),
]
