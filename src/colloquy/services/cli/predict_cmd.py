"""``colloquy predict``: run saved models on new input."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from colloquy.errors import UsageError
from colloquy.services.cli.options import BackendOption
from colloquy.services.cli.render import OutputFormat, print_json, print_mapping, print_table

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


@app.command("conversion")
def conversion(
    ctx: typer.Context,
    model: Annotated[Path, typer.Option("--model", help="Model directory.")],
    transcript: Annotated[
        Path, typer.Option("--transcript", help="A call transcript (.txt, .vtt, .srt, .json).")
    ],
    metadata: Annotated[
        str | None,
        typer.Option("--metadata", help="Customer metadata as a JSON object, or @file.json."),
    ] = None,
    speaker: Annotated[
        list[str] | None,
        typer.Option("--speaker", help="Map a transcript speaker to a role: NAME=customer|agent."),
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.TABLE,
) -> None:
    """Probability of converting, why (features and key turns), and insights."""
    from colloquy.analytics import insight_analyzer_from_settings
    from colloquy.features.embeddings.cache import default_cache_path
    from colloquy.pipelines.conversion import (
        parse_metadata,
        parse_speaker_map,
        predict_conversion,
    )
    from colloquy.services.cli.context import state

    settings = state(ctx).settings
    result = predict_conversion(
        model,
        transcript,
        metadata=parse_metadata(metadata),
        speaker_map=parse_speaker_map(speaker or []),
        analyzer_factory=lambda embedder: insight_analyzer_from_settings(settings, embedder),
        cache_path=default_cache_path(settings.resolved_home),
    )
    if fmt is OutputFormat.JSON:
        print_json(result)
        return
    explanation = result["explanation"]
    print_mapping(
        f"conversion: {result['conversation_id']}",
        {
            "probability": f"{result['probability']:.3f}",
            "base rate": f"{explanation['base_rate']:.3f}",
            "running": " ".join(f"{p:.2f}" for p in result["running_probability"]),
        },
    )
    print_table(
        "evidence by block (log-odds)",
        ["block", "block probability", "contribution"],
        [
            (b["block"], f"{b['probability']:.3f}", f"{b['contribution']:+.3f}")
            for b in explanation["blocks"]
        ],
    )
    print_table(
        "top features (log-odds)",
        ["feature", "value", "contribution"],
        [
            (
                f["feature"],
                "" if f["value"] is None else f"{f['value']:.3g}",
                f"{f['contribution']:+.3f}",
            )
            for f in explanation["top_features"]
        ],
    )
    print_table(
        "turns that moved the score (leave one out)",
        ["turn", "speaker", "effect", "text"],
        [
            (t["turn_index"], t["speaker"], f"{t['effect']:+.3f}", t["text"][:90])
            for t in explanation["key_turns"]
        ],
    )
    insights = result["insights"]
    print_table(
        "insights",
        ["kind", "turn", "speaker", "text"],
        [(i["kind"], i["turn_index"], i["speaker"], i["text"][:90]) for i in insights["insights"]],
    )
