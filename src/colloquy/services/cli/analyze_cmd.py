"""``colloquy analyze``: conversation analytics of a stored dataset or of one transcript file.

``colloquy analyze DATASET`` is short for ``colloquy analyze dataset DATASET``: the group
routes any first word that is not one of its commands to ``dataset``, so both the short
form of the issue and ``colloquy analyze conversation FILE`` work. A dataset whose name
is a command word (``conversation``, ``dataset``) is reached with the long form:
``colloquy analyze dataset conversation``.

Dataset analyses go through the store (:func:`colloquy.analytics.persistence.analyze_stored`):
per-conversation results are stored, and a second run computes only conversations that
are new or changed (none, when nothing changed). Every heavy import happens inside the
commands, so ``colloquy --help`` stays fast.
"""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer._click import Context as ClickContext
from typer.core import TyperGroup

from colloquy.errors import UsageError
from colloquy.services.cli.context import state
from colloquy.services.cli.main import writing
from colloquy.services.cli.render import print_json, stderr, stdout

if TYPE_CHECKING:
    from colloquy.analytics.analysis import AnalysisOptions, ConversationAnalysis, DatasetAnalysis
    from colloquy.analytics.outcomes import ConversationFilter
    from colloquy.analytics.persistence import IncrementalStats

DATASET_COMMAND = "dataset"


class _DatasetByDefault(TyperGroup):
    """A group whose unknown first word is a dataset name: ``analyze X`` = ``analyze dataset X``."""

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [DATASET_COMMAND, *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_DatasetByDefault,
    help="Analyse conversations: outcomes, failure points, sentiment, talk dynamics, "
    "intents and flow. `colloquy analyze DATASET …` is short for `colloquy analyze dataset "
    "DATASET …`; use the long form for a dataset named `conversation` or `dataset`.",
    no_args_is_help=True,
)


class AnalyzeFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    HTML = "html"


FormatOption = Annotated[
    AnalyzeFormat,
    typer.Option(
        "--format",
        "-f",
        help="table for people; json (one document, the stored record) for scripts; html "
        "for the interactive report (needs --output).",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write the json or html output to FILE (replaced when complete)."
    ),
]
SentimentOption = Annotated[
    str,
    typer.Option(
        "--sentiment",
        help="Sentiment model: vader, or a directory from `colloquy train sentiment`.",
    ),
]
IntentModelOption = Annotated[
    Path | None,
    typer.Option(
        "--intent-model",
        help="A directory from `colloquy train intent`: customer intents for the flow and "
        "the intent distribution where the data has no intent annotations.",
    ),
]
BucketOption = Annotated[str, typer.Option("--bucket", help="Trend bucket width: day or week.")]


def _options(sentiment: str, intent_model: Path | None, bucket: str) -> AnalysisOptions:
    from colloquy.analytics.analysis import AnalysisOptions
    from colloquy.analytics.outcomes import Bucket

    try:
        width = Bucket(bucket.strip().lower())
    except ValueError:
        raise UsageError(
            f"--bucket {bucket!r} is not a bucket", hint="use --bucket day or --bucket week"
        ) from None
    return AnalysisOptions(
        sentiment=sentiment.strip(),
        intent_model=None if intent_model is None else str(intent_model),
        bucket=width,
    )


def _filter(start: str | None, end: str | None, pairs: list[str]) -> ConversationFilter:
    from colloquy.analytics.outcomes import ConversationFilter

    given = list(pairs)
    for key, value in (("from", start), ("to", end)):
        if value is not None:
            if any(p.strip().lower().startswith(f"{key}=") for p in pairs):
                raise UsageError(f"--{key} and --filter {key}=… both given; keep one")
            given.append(f"{key}={value}")
    return ConversationFilter.from_pairs(given)


def _check_output(fmt: AnalyzeFormat, output: Path | None) -> None:
    if fmt is AnalyzeFormat.HTML and output is None:
        raise UsageError("--format html writes a file", hint="add --output report.html")
    if fmt is AnalyzeFormat.TABLE and output is not None:
        raise UsageError(
            "--output applies to --format json or html", hint="drop --output, or add --format html"
        )


def _write_text(path: Path, text: str) -> None:
    """``text`` into ``path`` through a temporary sibling, so no half-written file is left."""
    partial = path.with_name(f".{path.name}.partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _emit(
    analysis: DatasetAnalysis | ConversationAnalysis,
    payload: dict[str, Any],
    fmt: AnalyzeFormat,
    output: Path | None,
) -> None:
    import json

    from colloquy.analytics.report import build_report, print_report, write_html

    if fmt is AnalyzeFormat.TABLE:
        print_report(build_report(analysis), stdout)
        return
    with writing(output):
        if fmt is AnalyzeFormat.HTML and output is not None:
            write_html(analysis, output)
            stderr.print(f"report written to {output}")
        elif output is not None:
            _write_text(output, json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
            stderr.print(f"analysis written to {output}")
        else:
            print_json(payload)


def _stats_line(stats: IncrementalStats) -> str:
    if stats.aggregate_reused:
        return (
            f"{stats.conversations:,} conversations: the stored analysis is current "
            "(nothing recomputed)"
        )
    removed = f", {stats.removed:,} removed" if stats.removed else ""
    return (
        f"{stats.conversations:,} conversations: {stats.computed:,} analysed, "
        f"{stats.reused:,} reused from the store{removed}"
    )


@app.command(DATASET_COMMAND)
def dataset(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A stored dataset (see `colloquy data list`).")],
    intent_model: IntentModelOption = None,
    sentiment: SentimentOption = "vader",
    start: Annotated[
        str | None,
        typer.Option("--from", help="First day (YYYY-MM-DD, UTC) of conversations to include."),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", help="Last day (YYYY-MM-DD, UTC) of conversations to include."),
    ] = None,
    filters: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            help="KEY=VALUE, repeatable: channel, source, brand, intent, speaker, from, to "
            "(values of one key are alternatives; keys must all hold).",
        ),
    ] = None,
    bucket: BucketOption = "day",
    fmt: FormatOption = AnalyzeFormat.TABLE,
    output: OutputOption = None,
    flow_png: Annotated[
        Path | None,
        typer.Option("--flow-png", help="Also draw the dialogue flow as a PNG picture into FILE."),
    ] = None,
) -> None:
    """Analyse a stored dataset; results are stored and recomputed only where data changed."""
    import orjson

    from colloquy.analytics.persistence import analyze_stored, encode_dataset
    from colloquy.services.cli.progress import progress_bars

    _check_output(fmt, output)
    where = _filter(start, end, filters or [])
    options = _options(sentiment, intent_model, bucket)
    with state(ctx).open_store() as store, progress_bars() as progress:
        analysis, stats = analyze_stored(store, name, options, where=where, on_progress=progress)
    stderr.print(_stats_line(stats))
    payload = orjson.loads(encode_dataset(analysis))
    payload["run"] = asdict(stats)
    _emit(analysis, payload, fmt, output)
    if flow_png is not None:
        from colloquy.analytics.report import write_flow_png

        with writing(flow_png):
            write_flow_png(analysis, flow_png)
        stderr.print(f"flow picture written to {flow_png}")


@app.command("conversation")
def conversation(
    file: Annotated[Path, typer.Argument(help="One transcript (.txt, .vtt, .srt, .sbv, .json).")],
    intent_model: IntentModelOption = None,
    sentiment: SentimentOption = "vader",
    speaker: Annotated[
        list[str] | None,
        typer.Option("--speaker", help="Map a transcript speaker to a role: NAME=customer|agent."),
    ] = None,
    fmt: FormatOption = AnalyzeFormat.TABLE,
    output: OutputOption = None,
) -> None:
    """Analyse one transcript file (nothing is stored)."""
    import orjson

    from colloquy.analytics.analysis import AnalysisRuntime, analyze_conversation
    from colloquy.analytics.persistence import encode_conversation
    from colloquy.data.loaders import get_loader
    from colloquy.services.cli.parsing import parse_speaker_map

    _check_output(fmt, output)
    if file.is_dir():
        raise UsageError(f"{file} is a folder", hint="give one transcript file")
    loader = get_loader("transcript", speaker_map=parse_speaker_map(speaker or []))
    conversations = list(loader.load(file))
    if len(conversations) != 1:
        raise UsageError(f"{file} holds {len(conversations)} conversations; expected one")
    options = _options(sentiment, intent_model, "day")
    analysis = analyze_conversation(conversations[0], options, AnalysisRuntime(options))
    _emit(analysis, orjson.loads(encode_conversation(analysis)), fmt, output)
