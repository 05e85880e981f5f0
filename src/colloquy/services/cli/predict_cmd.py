"""``colloquy predict``: run saved models on new input."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from colloquy.errors import UsageError
from colloquy.services.cli.options import BackendOption, FormatOption
from colloquy.services.cli.parsing import STDIN, InputText
from colloquy.services.cli.render import OutputFormat, print_json, print_mapping, print_table

if TYPE_CHECKING:
    from colloquy.pipelines.intent import IntentModel
    from colloquy.pipelines.records import ConversionPrediction, IntentPrediction

app = typer.Typer(help="Predict with saved models.", no_args_is_help=True)

BATCH = 256
"""Texts classified per call when streaming: large enough for the encoder to batch well,
small enough that a JSONL reader sees results promptly and memory stays bounded."""


class PredictionFormat(StrEnum):
    """``table`` and ``json`` as everywhere, and ``jsonl``: one line per text, streamed."""

    TABLE = OutputFormat.TABLE.value
    JSON = OutputFormat.JSON.value
    JSONL = "jsonl"


@app.command("intent")
def intent(
    model: Annotated[Path, typer.Option("--model", help="Model directory.")],
    texts: Annotated[
        list[str] | None,
        typer.Argument(help="Messages to classify; - reads them from stdin, one per line."),
    ] = None,
    input_file: Annotated[
        Path | None,
        typer.Option(
            "--input",
            "-i",
            help="A file of messages: .txt (one per line), .csv/.tsv (--text-column) or "
            ".jsonl (--text-field); - for stdin.",
        ),
    ] = None,
    text_column: Annotated[
        str | None,
        typer.Option(
            "--text-column",
            "--text-field",
            help="The column (CSV) or field (JSONL) holding the text; default text.",
        ),
    ] = None,
    top_k: Annotated[int, typer.Option("--top-k", min=1, help="Alternatives to show.")] = 1,
    backend: BackendOption = None,
    fmt: Annotated[
        PredictionFormat,
        typer.Option("--format", "-f", help="table, json, or jsonl (streamed, for large inputs)."),
    ] = PredictionFormat.TABLE,
) -> None:
    """The intent of each text, with its confidence and the top-k alternatives.

    Texts come from TEXT arguments, from --input FILE, or from stdin (piped, or -).
    """
    from colloquy.pipelines.intent import IntentModel
    from colloquy.services.cli.parsing import batched

    source = _texts(texts or [], input_file, text_column)
    if fmt is PredictionFormat.JSONL:
        loaded = IntentModel.load(model, backend=backend)
        for batch in batched(source, BATCH):
            for prediction in _predict(loaded, batch, top_k):
                sys.stdout.write(prediction.model_dump_json() + "\n")
            sys.stdout.flush()
        return
    items = list(source)
    if not items:
        raise UsageError("no texts to classify", hint="give TEXT arguments, --input FILE or stdin")
    loaded = IntentModel.load(model, backend=backend)
    predictions = [p for batch in batched(items, BATCH) for p in _predict(loaded, batch, top_k)]
    if fmt is PredictionFormat.JSON:
        print_json([p.model_dump(mode="json") for p in predictions])
        return
    print_table(
        "intents",
        ["text", "intent", "confidence", "alternatives"],
        [
            (
                p.text,
                p.intent,
                f"{p.confidence:.3f}",
                ", ".join(f"{a.intent} {a.probability:.2f}" for a in p.top_k[1:]),
            )
            for p in predictions
        ],
    )


def _texts(texts: list[str], input_file: Path | None, field: str | None) -> Iterator[InputText]:
    """Where the texts come from: arguments, a file, or stdin."""
    from colloquy.services.cli.parsing import argument_texts, file_texts

    if texts == [STDIN] and input_file is None:
        return file_texts(Path(STDIN), field=field)
    if texts and input_file is not None:
        raise UsageError("give TEXT arguments or --input, not both")
    if input_file is not None:
        return file_texts(input_file, field=field)
    if texts:
        if field is not None:
            raise UsageError("--text-column applies to --input files and stdin, not arguments")
        return argument_texts(texts)
    if sys.stdin.isatty():
        raise UsageError(
            "give at least one TEXT to classify",
            hint="or --input FILE, or pipe messages on stdin",
        )
    return file_texts(Path(STDIN), field=field)


def _predict(model: IntentModel, batch: list[InputText], top_k: int) -> list[IntentPrediction]:
    return model.predict([item.text for item in batch], top_k=top_k)


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
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table or json.")
    ] = OutputFormat.TABLE,
) -> None:
    """Probability of converting, why (features and key turns), and insights."""
    from colloquy.analytics import insight_analyzer_from_settings
    from colloquy.features.embeddings.cache import default_cache_path
    from colloquy.pipelines.conversion_model import predict_conversion
    from colloquy.services.cli.context import state
    from colloquy.services.cli.parsing import parse_metadata, parse_speaker_map

    settings = state(ctx).settings
    customer = parse_metadata(metadata)
    speaker_map = parse_speaker_map(speaker or [])
    result = predict_conversion(
        model,
        transcript,
        metadata=customer,
        speaker_map=speaker_map,
        analyzer_factory=lambda embedder: insight_analyzer_from_settings(settings, embedder),
        cache_path=default_cache_path(settings.resolved_home),
    )
    if fmt is OutputFormat.JSON:
        payload = result.model_dump(mode="json")
        if result.insights is not None:
            payload["insights"] = result.insights.to_dict()
        print_json(payload)
        return
    _print_conversion(result)


def _print_conversion(result: ConversionPrediction) -> None:
    explanation = result.explanation
    print_mapping(
        f"conversion: {result.conversation_id}",
        {
            "probability": f"{result.probability:.3f}",
            "base rate": f"{explanation.base_rate:.3f}",
            "running": " ".join(f"{p:.2f}" for p in result.running_probability),
        },
    )
    print_table(
        "evidence by block (log-odds)",
        ["block", "block probability", "contribution"],
        [(b.block, f"{b.probability:.3f}", f"{b.contribution:+.3f}") for b in explanation.blocks],
    )
    print_table(
        "top features (log-odds)",
        ["feature", "value", "contribution"],
        [
            (f.feature, "" if f.value is None else f"{f.value:.3g}", f"{f.contribution:+.3f}")
            for f in explanation.top_features
        ],
    )
    print_table(
        "turns that moved the score (leave one out)",
        ["turn", "speaker", "effect", "text"],
        [(t.turn_index, t.speaker, f"{t.effect:+.3f}", t.text[:90]) for t in explanation.key_turns],
    )
    if result.insights is not None:
        print_table(
            "insights",
            ["kind", "turn", "speaker", "text"],
            [(i.kind, i.turn_index, i.speaker, i.text[:90]) for i in result.insights.insights],
        )


@app.command("batch")
def batch(
    ctx: typer.Context,
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="A model directory, NAME@ALIAS (e.g. banking77@champion) or NAME/VERSION.",
        ),
    ],
    input_: Annotated[
        str,
        typer.Option(
            "--input",
            "-i",
            help="A CSV/TSV/JSONL/Parquet file, or a stored dataset (its customer turns for an "
            "intent model, its conversations for a conversion model).",
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="The Parquet file to write.")],
    chunk_rows: Annotated[
        int, typer.Option("--chunk-rows", min=1, help="Rows predicted and written per chunk.")
    ] = 1000,
    text_column: Annotated[
        str, typer.Option("--text-column", help="The column holding the text (intent models).")
    ] = "text",
    id_column: Annotated[
        str | None,
        typer.Option("--id-column", help="A column of row ids (default: the row number)."),
    ] = None,
    execution: Annotated[
        str | None,
        typer.Option(
            "--execution",
            help="local, ray or dask (default: the execution.backend setting); "
            "execution.address joins a running cluster.",
        ),
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Predict every row of a large input into Parquet, chunk by chunk.

    Finished chunks are kept in OUTPUT.parts/, so a run that was interrupted resumes where
    it stopped when given the same arguments; every row carries the model's name and version.
    """
    from contextlib import ExitStack

    from colloquy.execution import BackendName, open_backend
    from colloquy.pipelines.batch import predict_batch
    from colloquy.services.cli.context import state
    from colloquy.services.cli.main import writing
    from colloquy.services.cli.progress import progress_bars

    cli = state(ctx)
    with ExitStack() as stack:
        store = (
            None if Path(input_).expanduser().is_file() else stack.enter_context(cli.open_store())
        )
        if execution not in (None, "local", "ray", "dask"):
            raise UsageError(f"unknown --execution {execution!r}", hint="use local, ray or dask")
        chosen = cast("BackendName | None", execution)
        backend = stack.enter_context(open_backend(cli.settings, backend=chosen))
        progress = stack.enter_context(progress_bars())
        stack.enter_context(writing(output))
        result = predict_batch(
            model,
            input_,
            output,
            store=store,
            chunk_rows=chunk_rows,
            text_column=text_column,
            id_column=id_column,
            settings=cli.settings,
            progress=progress,
            execution=backend,
        )
    summary = result.to_dict()
    if fmt is OutputFormat.JSON:
        print_json(summary)
        return
    summary["columns"] = ", ".join(result.columns)
    print_mapping(f"wrote {result.rows:,} predictions to {result.output}", summary)
