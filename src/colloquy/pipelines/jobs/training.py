"""Training jobs: check a pipeline sent over HTTP, then run it with progress reports.

A pipeline that arrives over the network is held to more than one read from disk: it
may name only built-in (or entry-point) components, never a dotted import path; it may
not substitute environment variables (``${VAR}`` would copy a server secret into the
run's name or logs) nor ``extends`` another file; and every data file it reads
must lie under one of the allowed folders (the API's data directory and colloquy's
dataset folder). Checking happens when the job is submitted, so a bad file is a 422 at
once, and again in the worker before it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from colloquy.config import Settings
from colloquy.errors import UsageError
from colloquy.pipelines.components.registry import BUILTINS
from colloquy.pipelines.jobs.records import TrainingResult, TrainingSpec
from colloquy.pipelines.orchestrator import RunOptions, StageRecord, run_pipeline
from colloquy.pipelines.spec.data import ClassificationData, ConversionData, TextData
from colloquy.pipelines.spec.loader import Pipeline
from colloquy.progress import ProgressCallback, ProgressEvent

MAX_INLINE_BYTES = 256 * 1024


def inside(path: Path, roots: Iterable[Path]) -> bool:
    """Whether ``path`` (symlinks resolved) lies in one of ``roots``."""
    resolved = path.resolve()
    return any(resolved.is_relative_to(root.resolve()) for root in roots)


def check_remote_text(text: str) -> None:
    """Refuse what a pipeline from the network may not do, before colloquy parses it."""
    import yaml

    if len(text.encode("utf-8")) > MAX_INLINE_BYTES:
        raise UsageError(
            f"the pipeline is larger than {MAX_INLINE_BYTES // 1024} KiB",
            hint="pipelines are small YAML files; the data goes in separate files",
        )
    if "${" in text:
        raise UsageError(
            "pipelines sent to the API may not use ${VAR} substitution (it would expose "
            "the server's environment)",
            hint="write the values into the YAML itself",
        )
    try:
        tree = yaml.safe_load(text)
    except yaml.YAMLError:
        return
    if isinstance(tree, dict) and "extends" in tree:
        raise UsageError(
            "pipelines sent to the API may not use 'extends'",
            hint="merge the base file's keys into this one",
        )


def data_paths(pipeline: Pipeline) -> list[tuple[str, Path]]:
    """Every data file the pipeline reads, by its key in the file."""
    data = pipeline.facts.data
    found: list[tuple[str, Path | None]] = []
    if isinstance(data, TextData):
        found = [("data.path", data.path), ("data.test_path", data.test_path)]
    elif isinstance(data, ConversionData):
        found = [("data.path", data.path)]
    elif isinstance(data, ClassificationData):
        if data.source.url is not None:
            raise UsageError(
                "pipelines sent to the API may not read an SQL database (data.source.url)",
                hint="export the rows to a CSV/Parquet file in the data directory",
            )
        found = [("data.source.path", data.source.path)]
    return [(key, path) for key, path in found if path is not None]


def check_remote_pipeline(pipeline: Pipeline, *, roots: tuple[Path, ...]) -> None:
    """The checks a pipeline from the network must pass on top of colloquy's own."""
    for planned in pipeline.stages:
        reference = planned.component.reference
        if reference not in BUILTINS[planned.stage] and (":" in reference or "." in reference):
            raise UsageError(
                f"stages.{planned.stage}.component {reference!r}: the API runs built-in and "
                "installed (entry-point) components only, not import paths",
                hint=f"use one of {', '.join(BUILTINS[planned.stage])}",
            )
    for key, path in data_paths(pipeline):
        if not inside(path, roots):
            raise UsageError(
                f"{key} {str(path)!r} is outside the folders the API may read",
                hint="put the file in the API's data directory (upload it, or copy it there) "
                "and name it relative to that folder",
            )


def validate_training(spec: TrainingSpec, settings: Settings, roots: tuple[Path, ...]) -> None:
    """Load the pipeline and run every check: the API's first (before colloquy's own
    checks open any data file it names), then colloquy's."""
    from colloquy.pipelines.spec.checks import check_pipeline
    from colloquy.pipelines.spec.loader import load_pipeline

    path = Path(spec.pipeline_file)
    check_remote_text(path.read_text("utf-8", errors="replace"))
    pipeline = load_pipeline(path)
    check_remote_pipeline(pipeline, roots=roots)
    check_pipeline(pipeline, settings)


class StageProgress:
    """Turns the orchestrator's events into one 0..1 figure over the whole run.

    The orchestrator reports ``pipeline`` events (stage k of n starts); anything a stage
    reports in between (embedding batches, tuning trials) moves the figure within that
    stage's 1/n share.
    """

    def __init__(self, report: Callable[[ProgressEvent, float | None, str | None], None]) -> None:
        self._report = report
        self._position = 0
        self._stages = 0
        self._stage: str | None = None

    def __call__(self, event: ProgressEvent) -> None:
        if event.stage == "pipeline":
            self._position = event.done
            self._stages = event.total or 0
            self._stage = event.detail
            overall = event.done / event.total if event.total else None
            self._report(event, overall, self._stage)
            return
        overall = None
        if self._stages:
            within = event.done / event.total if event.total else 0.0
            overall = (self._position + min(within, 1.0)) / self._stages
        self._report(event, overall, self._stage)


def run_training(
    spec: TrainingSpec,
    settings: Settings,
    roots: tuple[Path, ...],
    *,
    progress: ProgressCallback,
    on_metrics: Callable[[Mapping[str, float]], None],
) -> TrainingResult:
    """Run the pipeline in this process (the worker's), reporting as it goes."""
    validate_training(spec, settings, roots)
    metrics: dict[str, float] = {}

    def on_stage(record: StageRecord) -> None:
        metrics.update({f"{record.stage}.{k}": v for k, v in record.metrics.items()})
        on_metrics(dict(metrics))

    state = run_pipeline(
        spec.pipeline_file, settings, RunOptions(progress=progress, on_stage=on_stage)
    )
    return TrainingResult(run_id=state.run_id, status=state.status)
