"""``colloquy pipeline``: run, resume, tune and inspect declarative ML pipelines.

Each command parses its options, calls one function of :mod:`colloquy.pipelines` and
renders the run record; the orchestrator and the components are imported inside the
commands, so ``colloquy --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from colloquy.errors import UsageError
from colloquy.services.cli.context import state
from colloquy.services.cli.main import writing
from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import (
    OutputFormat,
    print_json,
    print_mapping,
    print_table,
    stderr,
    stdout,
)

if TYPE_CHECKING:
    from colloquy.pipelines.orchestrator import RunOptions, RunState, StageRecord
    from colloquy.progress import ProgressCallback

app = typer.Typer(
    help="Run, resume, tune and inspect declarative ML pipelines.", no_args_is_help=True
)

FileArgument = Annotated[Path, typer.Argument(help="The pipeline file (YAML).")]
RunIdArgument = Annotated[str, typer.Argument(help="A run id (see `colloquy pipeline list`).")]


def _announce(record: StageRecord) -> None:
    key = (record.key or "")[:12]
    if record.status == "cached":
        stderr.print(f"{record.stage}: cached (key {key}…)")
    elif record.status == "done" and record.seconds is not None:
        stderr.print(f"{record.stage}: done in {record.seconds:.1f} s (key {key}…)")
    else:
        stderr.print(f"{record.stage}: {record.status}")


def _options(data_version: str | None = None, force_register: bool = False) -> RunOptions:
    from colloquy.pipelines.orchestrator import RunOptions

    return RunOptions(data_version=data_version, force_register=force_register, on_stage=_announce)


def _render(run: RunState, fmt: OutputFormat, *, title: str | None = None) -> None:
    if fmt is OutputFormat.JSON:
        print_json(run.model_dump(mode="json"))
        return
    print_mapping(
        title or f"pipeline run {run.run_id}",
        {
            "run_id": run.run_id,
            "name": run.name,
            "task": run.task,
            "status": run.status,
            "pipeline": run.pipeline_file,
            "data_version": run.data_version,
            "seconds": round(run.seconds, 2),
            "mlflow_run": run.tracking_run_id,
        },
    )
    rows = [
        (
            s.stage,
            s.component,
            s.status,
            "" if s.seconds is None else f"{s.seconds:.2f}",
            (s.key or "")[:12],
            ", ".join(f"{k}={v:.4g}" for k, v in list(s.metrics.items())[:4]),
        )
        for s in run.stages
    ]
    print_table("stages", ["stage", "component", "status", "seconds", "key", "metrics"], rows)
    artifacts = [
        (s.stage, str(Path(s.output) / a)) for s in run.stages if s.output for a in s.artifacts
    ]
    if artifacts:
        print_table("artifacts", ["stage", "path"], artifacts)
    if run.failure is not None:
        stdout.print(f"failure: {run.failure.one_line()} — {run.failure.action}")


@app.command("run")
def run(
    ctx: typer.Context,
    file: FileArgument,
    data_version: Annotated[
        str | None,
        typer.Option("--data-version", help="Run on exactly this data version, or fail."),
    ] = None,
    force_register: Annotated[
        bool,
        typer.Option("--force-register", help="Promote even if not better than the champion."),
    ] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Validate the pipeline file, then run its stages (cached stages are skipped)."""
    from colloquy.pipelines.orchestrator import run_pipeline
    from colloquy.services.cli.progress import progress_bars

    options = _options(data_version, force_register)
    with progress_bars() as progress:
        result = run_pipeline(file, state(ctx).settings, _with_progress(options, progress))
    _render(result, fmt)


@app.command("resume")
def resume(
    ctx: typer.Context, run_id: RunIdArgument, fmt: FormatOption = OutputFormat.TABLE
) -> None:
    """Continue a run that was interrupted or failed, from its last finished stage."""
    from colloquy.pipelines.orchestrator import resume_run
    from colloquy.services.cli.progress import progress_bars

    with progress_bars() as progress:
        result = resume_run(run_id, state(ctx).settings, _with_progress(_options(), progress))
    _render(result, fmt)


@app.command("tune")
def tune(
    ctx: typer.Context,
    file: FileArgument,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, max=64, help="Trial worker processes.")
    ] = None,
    study: Annotated[
        str | None,
        typer.Option("--study", help="Join (or name) this study in the study storage."),
    ] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Run the pipeline's tune stage (and what it needs) with N workers on one study."""
    from dataclasses import replace

    from colloquy.pipelines.orchestrator import TuneOverrides, run_pipeline
    from colloquy.services.cli.progress import progress_bars

    options = replace(
        _options(), tune=TuneOverrides(workers=workers, study=study), stop_after="tune"
    )
    with progress_bars() as progress:
        result = run_pipeline(file, state(ctx).settings, _with_progress(options, progress))
    _render(result, fmt)


def _with_progress(options: RunOptions, progress: ProgressCallback) -> RunOptions:
    from dataclasses import replace

    return replace(options, progress=progress)


@app.command("list")
def list_runs(ctx: typer.Context, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Every run under the colloquy home, newest first."""
    from colloquy.pipelines.orchestrator import RunStore

    runs = RunStore(state(ctx).settings.resolved_home).list()
    if fmt is OutputFormat.JSON:
        print_json([run.model_dump(mode="json", exclude={"stages"}) for run in runs])
        return
    rows = [
        (
            r.run_id,
            r.name,
            r.task,
            r.status,
            r.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            f"{r.seconds:.1f}",
            sum(s.status == "cached" for s in r.stages),
            len(r.stages),
        )
        for r in runs
    ]
    print_table(
        f"{len(runs)} pipeline runs",
        ["run_id", "name", "task", "status", "created (UTC)", "seconds", "cached", "stages"],
        rows,
    )


@app.command("show")
def show(ctx: typer.Context, run_id: RunIdArgument, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """A run's stages, timings, cache hits, metrics, artifacts and failure."""
    from colloquy.pipelines.orchestrator import RunStore

    _render(RunStore(state(ctx).settings.resolved_home).load(run_id), fmt)


@app.command("validate")
def validate(
    ctx: typer.Context, file: FileArgument, fmt: FormatOption = OutputFormat.TABLE
) -> None:
    """Check the pipeline file, its data and its services without running anything."""
    from colloquy.pipelines.orchestrator import validate_pipeline

    pipeline = validate_pipeline(file, state(ctx).settings)
    if fmt is OutputFormat.JSON:
        stages = [
            {"stage": s.stage, "component": s.component.reference, "inputs": dict(s.inputs)}
            for s in pipeline.stages
        ]
        print_json({"valid": True, "file": str(pipeline.path), "stages": stages})
        return
    rows = [
        (s.stage, s.component.reference, ", ".join(f"{k} <- {v}" for k, v in s.inputs.items()))
        for s in pipeline.stages
    ]
    print_table(f"{pipeline.path}: valid", ["stage", "component", "inputs"], rows)


@app.command("init")
def init(
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write.")] = Path(
        "pipeline.yaml"
    ),
    task: Annotated[
        str | None, typer.Option("--task", help="intent, conversion or classification.")
    ] = None,
    data: Annotated[Path | None, typer.Option("--data", help="The data file or folder.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="The pipeline's name.")] = None,
    text_column: Annotated[
        str | None, typer.Option("--text-column", help="intent: text column.")
    ] = None,
    label_column: Annotated[
        str | None, typer.Option("--label-column", help="intent: label column.")
    ] = None,
    target: Annotated[str | None, typer.Option("--target", help="classification: target.")] = None,
    features: Annotated[
        str | None,
        typer.Option("--features", help="classification: name:kind,… (numeric|categorical|text)."),
    ] = None,
    source: Annotated[str | None, typer.Option("--source", help="conversion: the source.")] = None,
    metric: Annotated[str | None, typer.Option("--metric", help="The headline metric.")] = None,
    interactive: Annotated[
        bool,
        typer.Option("--interactive/--no-interactive", help="Ask for what is not given."),
    ] = True,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace --output.")] = False,
) -> None:
    """Write a valid, commented pipeline file, asking for task, data, columns and metric."""
    from colloquy.pipelines.spec.template import InitAnswers, render_pipeline

    if output.exists() and not overwrite:
        raise UsageError(f"{output} exists", hint="choose another --output or add --overwrite")
    ask = _asker(interactive)
    chosen_task = ask("Task (intent, conversion, classification)", task, "intent")
    answers: dict[str, object] = {
        "task": chosen_task,
        "name": ask("Pipeline name", name, "my-pipeline"),
        "data": ask("Data file or folder", None if data is None else str(data), None),
    }
    if chosen_task == "intent":
        answers["text_column"] = ask("Text column", text_column, "text")
        answers["label_column"] = ask("Label column", label_column, "label")
    elif chosen_task == "conversion":
        answers["source"] = ask(
            "Source (persuasion4good, craigslist_bargain, jsonl)", source, "jsonl"
        )
    else:
        answers["target"] = ask("Target column", target, "label")
        answers["features"] = _features(ask("Features as name:kind,…", features, None))
    default_metric = "roc_auc" if chosen_task == "conversion" else "accuracy"
    answers["metric"] = ask("Headline metric", metric, default_metric)
    from pydantic import ValidationError

    try:
        text = render_pipeline(InitAnswers.model_validate(answers))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "answers"
        raise UsageError(
            f"{where}: {first['msg']}", hint="answer again with a valid value"
        ) from None
    with writing(output):
        output.write_text(text, encoding="utf-8")
    stderr.print(f"wrote {output}; check it with `colloquy pipeline validate {output}`")


def _asker(interactive: bool) -> Callable[[str, str | None, str | None], str]:
    """Returns the given value, else the answer to a prompt showing the default."""

    def ask(question: str, given: str | None, default: str | None) -> str:
        if given is not None:
            return given
        if interactive:
            return str(typer.prompt(question, default=default))
        if default is None:
            raise UsageError(f"{question} has no default", hint="give it as an option")
        return default

    return ask


def _features(text: str) -> list[dict[str, str]]:
    features = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        column, _, kind = item.partition(":")
        features.append({"name": column.strip(), "kind": (kind or "numeric").strip()})
    return features
