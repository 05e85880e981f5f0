"""``colloquy predict``: run saved models on new input."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from colloquy.errors import UsageError
from colloquy.services.cli.options import BackendOption
from colloquy.services.cli.render import OutputFormat, print_json, print_table

app = typer.Typer(help="Predict with saved models.", no_args_is_help=True)


@app.command("intent")
def intent(
    texts: Annotated[list[str], typer.Argument(help="Messages to classify.")],
    model: Annotated[Path, typer.Option("--model", help="Model directory.")],
    top_k: Annotated[int, typer.Option("--top-k", min=1, help="Alternatives to show.")] = 1,
    backend: BackendOption = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.TABLE,
) -> None:
    """The intent of each TEXT, with its confidence and the top-k alternatives."""
    from colloquy.pipelines.intent import predict_intent

    if not texts:
        raise UsageError("give at least one TEXT to classify")
    predictions = predict_intent(model, texts, top_k=top_k, backend=backend)
    if fmt is OutputFormat.JSON:
        print_json(predictions)
        return
    print_table(
        "intents",
        ["text", "intent", "confidence", "alternatives"],
        [
            (
                p["text"],
                p["intent"],
                f"{p['confidence']:.3f}",
                ", ".join(f"{a['intent']} {a['probability']:.2f}" for a in p["top_k"][1:]),
            )
            for p in predictions
        ],
    )
