"""``colloquy evaluate``: score saved models on labelled files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from colloquy.models.choices import SOURCES
from colloquy.services.cli.options import BackendOption
from colloquy.services.cli.render import OutputFormat, print_json, print_mapping, stderr

app = typer.Typer(help="Evaluate models.", no_args_is_help=True)

FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json.")]


@app.command("intent")
def intent(
    model: Annotated[Path, typer.Option("--model", help="Model directory.")],
    data: Annotated[Path, typer.Option("--data", help="CSV, JSONL or Parquet file.")],
    text_column: Annotated[
        str, typer.Option("--text-column", help="The column holding the message.")
    ],
    label_column: Annotated[
        str, typer.Option("--label-column", help="The column holding its true intent.")
    ],
    oos_label: Annotated[
        str | None, typer.Option("--oos-label", help="Label of out-of-scope rows.")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write a report (HTML, Markdown, plots, CSVs) here."),
    ] = None,
    backend: BackendOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Accuracy, macro-F1 (with 95 % CIs), calibration and out-of-scope scores."""
    from colloquy.pipelines.intent import evaluate_intent
    from colloquy.services.cli.main import writing
    from colloquy.services.cli.progress import progress_bars

    with progress_bars() as progress, writing(report, folder=True):
        evaluation = evaluate_intent(
            model,
            data,
            text_column=text_column,
            label_column=label_column,
            oos_label=oos_label,
            backend=backend,
            report=report,
            progress=progress,
        )
    if evaluation.report is not None:
        stderr.print(f"report written to {evaluation.report}")
    summary = evaluation.model_dump(mode="json", exclude_none=True)
    if fmt is OutputFormat.JSON:
        print_json(summary)
        return
    print_mapping(f"{model.name} on {data.name}", summary)


@app.command("conversion")
def conversion(
    ctx: typer.Context,
    model: Annotated[Path, typer.Option("--model", help="Model directory.")],
    source: Annotated[str, typer.Option("--source", help=f"One of {', '.join(SOURCES)}.")],
    data: Annotated[Path, typer.Option("--data", help="The source's folder or file.")],
    prefix_ratio: Annotated[
        float | None,
        typer.Option("--prefix-ratio", help="Score only this share of each conversation."),
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the calibration plot here.")
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """ROC-AUC (95 % CI), PR-AUC, Brier, log loss and top-decile lift on labelled data."""
    from colloquy.features.embeddings.cache import default_cache_path
    from colloquy.pipelines.conversion import check_source, evaluate_conversion
    from colloquy.services.cli.context import state

    result = evaluate_conversion(
        model,
        check_source(source),
        data,
        prefix_ratio=prefix_ratio,
        report=report,
        cache_path=default_cache_path(state(ctx).settings.resolved_home),
    )
    if fmt is OutputFormat.JSON:
        print_json(result.model_dump(mode="json"))
        return
    print_mapping(f"{model.name} on {data.name}", result.model_dump(mode="json"))


@app.command("sentiment")
def sentiment(
    model: Annotated[str, typer.Option("--model", help="Model directory, or 'vader' for VADER.")],
    data: Annotated[Path, typer.Option("--data", help="CSV, JSONL or Parquet file.")],
    text_column: Annotated[str, typer.Option("--text-column", help="The column holding the text.")],
    label_column: Annotated[
        str,
        typer.Option("--label-column", help="The column holding negative, neutral or positive."),
    ],
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Macro recall (TweetEval's metric), accuracy, macro-F1 and recall per class."""
    from colloquy.analytics.sentiment.files import evaluate_sentiment_file

    result = evaluate_sentiment_file(
        model, data, text_column=text_column, label_column=label_column
    )
    if fmt is OutputFormat.JSON:
        print_json(result.model_dump(mode="json"))
        return
    print_mapping(f"{model} on {data.name}", result.model_dump(mode="json"))
