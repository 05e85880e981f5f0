"""Running a pipeline: validate everything, then run the stages in order, cached and resumable.

:func:`run_pipeline` validates the whole file (and its data and services) before any
stage runs, versions the data, and creates the run record; :func:`resume_run` continues a
run whose process died, refusing one whose pipeline changed since. Both go through
:func:`_execute`: a stage finished earlier in the run, or found in the cache under its
key, is skipped and says so; any other runs in a fresh temporary folder that is renamed
into the cache only when it finished. The run record is rewritten atomically after each
stage, and every log line carries the run id as its correlation id.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from colloquy.errors import ColloquyError, ConfigError, DataError, UsageError
from colloquy.llm.provenance import record_prompts
from colloquy.logging import get_logger, new_correlation_id
from colloquy.pipelines.components.base import StageContext, StageInput, StageInputs
from colloquy.pipelines.orchestrator.cache import StageCache, stage_key
from colloquy.pipelines.orchestrator.failures import (
    PipelineFailedError,
    action_for,
    attempts_of,
    classify,
    with_retries,
)
from colloquy.pipelines.orchestrator.records import FailureReport, RunState, StageRecord
from colloquy.pipelines.orchestrator.runs import RunStore, atomic_write
from colloquy.pipelines.orchestrator.tracking import RunTracking, open_tracking
from colloquy.pipelines.orchestrator.versions import identify, pin_version
from colloquy.pipelines.spec.checks import check_pipeline
from colloquy.pipelines.spec.loader import Pipeline, PlannedStage, load_pipeline
from colloquy.pipelines.spec.schema import Stage
from colloquy.progress import ProgressCallback, emit

if TYPE_CHECKING:
    from colloquy.config import Settings

StageCallback = Callable[[StageRecord], None]


@dataclass(frozen=True, slots=True)
class TuneOverrides:
    """``pipeline tune --workers N --study NAME``: replaces the tune stage's settings."""

    workers: int | None = None
    study: str | None = None

    def apply(self, planned: PlannedStage) -> PlannedStage:
        updates = {k: v for k, v in (("workers", self.workers), ("study", self.study)) if v}
        if planned.stage != "tune" or not updates:
            return planned
        return replace(planned, params=planned.params.model_copy(update=updates))


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run: the data version asked for, forced promotion, tuning overrides, the
    last stage to run (``pipeline tune`` stops after tune), and who listens."""

    data_version: str | None = None
    force_register: bool = False
    tune: TuneOverrides | None = None
    stop_after: Stage | None = None
    progress: ProgressCallback | None = None
    on_stage: StageCallback | None = None
    sleep: Callable[[float], None] = time.sleep


def validate_pipeline(path: Path | str, settings: Settings) -> Pipeline:
    """Load ``path`` and run every check that needs no work: the ``validate`` command."""
    pipeline = load_pipeline(path)
    check_pipeline(pipeline, settings)
    return pipeline


def run_pipeline(
    path: Path | str, settings: Settings, options: RunOptions | None = None
) -> RunState:
    """Validate and run the pipeline at ``path``; returns the finished run's record."""
    options = options or RunOptions()
    pipeline = validate_pipeline(path, settings)
    if options.stop_after is not None and pipeline.stage(options.stop_after) is None:
        raise UsageError(
            f"{pipeline.path} has no {options.stop_after} stage",
            hint=f"add stages.{options.stop_after} to the file, or use `colloquy pipeline run`",
        )
    home = settings.resolved_home
    data = pin_version(pipeline.facts.data, options.data_version)
    identity = identify(data, home)
    run_id = _bind_run_id(None)
    now = datetime.now(UTC)
    state = RunState(
        run_id=run_id,
        name=pipeline.spec.name,
        task=pipeline.spec.task,
        pipeline_file=str(pipeline.path),
        pipeline_sha256=pipeline.sha256,
        data_version=identity.version,
        data_lineage=identity.lineage,
        force_register=options.force_register,
        created_at=now,
        updated_at=now,
        stages=tuple(
            StageRecord(stage=s.stage, component=s.component.reference) for s in pipeline.stages
        ),
    )
    store = RunStore(home)
    store.save(state)
    shutil.copyfile(pipeline.path, store.directory(run_id) / "pipeline.yaml")
    get_logger(__name__).info("pipeline run started", pipeline=str(pipeline.path), run_id=run_id)
    return _execute(pipeline, state, settings, options)


def resume_run(run_id: str, settings: Settings, options: RunOptions | None = None) -> RunState:
    """Continue run ``run_id`` where it stopped; the pipeline must be unchanged."""
    options = options or RunOptions()
    store = RunStore(settings.resolved_home)
    state = store.load(run_id)
    if state.status == "succeeded":
        return state
    pipeline = load_pipeline(state.pipeline_file)
    if pipeline.sha256 != state.pipeline_sha256:
        raise ConfigError(
            f"{state.pipeline_file}: the pipeline changed since run {run_id} started "
            f"(sha256 {state.pipeline_sha256[:12]}… is now {pipeline.sha256[:12]}…)",
            hint=f"restore it, or start a new run: `colloquy pipeline run {state.pipeline_file}`",
        )
    check_pipeline(pipeline, settings)
    data = pin_version(pipeline.facts.data, state.data_version)
    try:
        identify(data, settings.resolved_home)
    except DataError as exc:
        raise DataError(
            f"run {run_id}: {exc.message}",
            hint="the data changed since the run started; restore it or start a new run",
        ) from None
    _bind_run_id(run_id)
    get_logger(__name__).info("pipeline run resumed", run_id=run_id)
    state = state.model_copy(update={"status": "running", "failure": None})
    options = replace(options, data_version=state.data_version, force_register=state.force_register)
    return _execute(pipeline, state, settings, options)


def _bind_run_id(run_id: str | None) -> str:
    """Make ``run_id`` (or a new id) the correlation id of every log line from now on."""
    fresh = new_correlation_id()
    chosen = run_id or fresh
    import structlog

    structlog.contextvars.bind_contextvars(correlation_id=chosen)
    return chosen


def _execute(
    pipeline: Pipeline, state: RunState, settings: Settings, options: RunOptions
) -> RunState:
    log = get_logger(__name__)
    store = RunStore(settings.resolved_home)
    cache = StageCache(settings.resolved_home)
    cache.sweep()
    started = time.perf_counter() - state.seconds
    # Opened when the first stage has to run: a re-run whose every stage is cached records
    # nothing new, and does not pay for starting MLflow.
    tracking: RunTracking | None = None
    store.save(state)
    done: dict[str, StageInput] = {}
    keys: dict[str, str] = {}
    total = len(pipeline.stages)
    try:
        for position, declared in enumerate(pipeline.stages):
            planned = options.tune.apply(declared) if options.tune else declared
            emit(options.progress, "pipeline", position, total, unit="stages", detail=planned.stage)
            key = stage_key(
                stage=planned.stage,
                reference=planned.component.reference,
                cls=planned.component.cls,
                params=planned.params,
                upstream=[keys[s] for s in planned.inputs.values()],
                facts=pipeline.facts,
                data_version=state.data_version,
            )
            keys[planned.stage] = key
            inputs = StageInputs({kind: done[s] for kind, s in planned.inputs.items()})
            record = _skip(planned, state.stage(planned.stage), key, cache)
            if record is None:
                if tracking is None:
                    tracking = open_tracking(pipeline, state, settings)
                    state = state.model_copy(update={"tracking_run_id": tracking.run_id})
                    store.save(state)
                record = _run_stage(
                    pipeline, planned, state, key, inputs, settings, options, tracking
                )
                tracking.stage_finished(planned, record)
            else:
                log.info(f"stage {record.status}", stage=planned.stage, key=key[:12])
            output = cache.lookup(key)
            assert output is not None
            assert record.output is not None
            done[planned.stage] = StageInput(planned.stage, Path(record.output), output)
            state = state.with_stage(record).model_copy(
                update={"updated_at": datetime.now(UTC), "seconds": time.perf_counter() - started}
            )
            store.save(state)
            if options.on_stage is not None:
                options.on_stage(record)
            if planned.stage == options.stop_after:
                break
        emit(options.progress, "pipeline", total, total, unit="stages")
    except _StageFailedError as failed:
        state = state.with_stage(failed.record).model_copy(
            update={
                "status": "failed",
                "failure": failed.report,
                "updated_at": datetime.now(UTC),
                "seconds": time.perf_counter() - started,
            }
        )
        store.save(state)
        atomic_write(
            store.directory(state.run_id) / "failure.json", failed.report.model_dump_json(indent=2)
        )
        if tracking is not None:
            tracking.finish(state, failed=True)
        log.error("pipeline run failed", stage=failed.report.stage, cause=failed.report.cause)
        raise PipelineFailedError(
            failed.report.one_line(),
            hint=failed.report.action,
            exit_code=failed.exit_code,
        ) from failed.__cause__
    except BaseException:
        if tracking is not None:
            tracking.finish(state, failed=True)
        raise
    state = state.model_copy(
        update={
            "status": "succeeded",
            "updated_at": datetime.now(UTC),
            "seconds": time.perf_counter() - started,
        }
    )
    store.save(state)
    if tracking is not None:
        tracking.finish(state, failed=False)
    log.info("pipeline run finished", seconds=round(state.seconds, 2))
    return state


def _skip(
    planned: PlannedStage, previous: StageRecord, key: str, cache: StageCache
) -> StageRecord | None:
    """The record of a stage that need not run: finished earlier in this run (a resume), or
    cached by any run; None when it must run."""
    if cache.lookup(key) is None:
        return None
    if previous.status in ("done", "cached") and previous.key == key:
        return previous
    if not planned.component.cls.cacheable:
        return None
    output = cache.lookup(key)
    assert output is not None
    return StageRecord(
        stage=planned.stage,
        component=planned.component.reference,
        status="cached",
        key=key,
        seconds=0.0,
        metrics=output.metrics,
        info=output.info,
        output=str(cache.directory(key)),
        artifacts=output.artifacts,
    )


class _StageFailedError(Exception):
    def __init__(self, record: StageRecord, report: FailureReport, exit_code: int) -> None:
        super().__init__(report.one_line())
        self.record = record
        self.report = report
        self.exit_code = exit_code


def _run_stage(
    pipeline: Pipeline,
    planned: PlannedStage,
    state: RunState,
    key: str,
    inputs: StageInputs,
    settings: Settings,
    options: RunOptions,
    tracking: RunTracking,
) -> StageRecord:
    log = get_logger(__name__)
    cache = StageCache(settings.resolved_home)
    component = planned.component.cls()
    log.info("stage running", stage=planned.stage, key=key[:12])
    began = time.perf_counter()

    def attempt() -> tuple[Path, StageRecord]:
        scratch = cache.scratch(key)
        context = StageContext(
            run_id=state.run_id,
            stage=planned.stage,
            pipeline=pipeline.facts,
            params=planned.params,
            data_version=state.data_version,
            output=scratch,
            home=settings.resolved_home,
            settings=settings,
            force_register=state.force_register,
            tracker=tracking.run,
            progress=options.progress,
        )
        try:
            with record_prompts(tracking.run):
                output = component.run(context, inputs)
        except BaseException:
            cache.discard(scratch)
            raise
        final = cache.commit(key, scratch, output)
        return final, StageRecord(
            stage=planned.stage,
            component=planned.component.reference,
            status="cached" if output.reused else "done",
            key=key,
            metrics=output.metrics,
            info=output.info,
            output=str(final),
            artifacts=output.artifacts,
        )

    def on_retry(number: int, exc: BaseException, wait: float) -> None:
        log.warning(
            "stage failed transiently, retrying",
            stage=planned.stage,
            attempt=number,
            wait_seconds=wait,
            cause=_cause(exc),
        )

    try:
        (_, record), attempts = with_retries(
            attempt, pipeline.spec.retries, on_retry=on_retry, sleep=options.sleep
        )
    except Exception as exc:
        kind = classify(exc)
        report = FailureReport(
            stage=planned.stage,
            component=planned.component.reference,
            kind=kind,
            cause=_cause(exc),
            inputs=tuple(
                f"{kind_} from {stage} ({inputs.directory(kind_).name[:12]}…)"
                for kind_, stage in planned.inputs.items()
            )
            or _data_inputs(pipeline),
            action=action_for(kind, exc, state.run_id),
            attempts=attempts_of(exc),
        )
        failed = StageRecord(
            stage=planned.stage,
            component=planned.component.reference,
            status="failed",
            key=key,
            seconds=round(time.perf_counter() - began, 3),
            attempts=report.attempts,
        )
        code = exc.exit_code if isinstance(exc, ColloquyError) else 1
        raise _StageFailedError(failed, report, code) from exc
    return record.model_copy(
        update={"seconds": round(time.perf_counter() - began, 3), "attempts": attempts}
    )


def _cause(exc: BaseException) -> str:
    if isinstance(exc, ColloquyError):
        return exc.message
    return f"{type(exc).__name__}: {exc}".splitlines()[0]


def _data_inputs(pipeline: Pipeline) -> tuple[str, ...]:
    data = pipeline.facts.data.model_dump(mode="json", exclude_none=True)
    return tuple(f"data.{k}: {v}" for k, v in data.items() if k in ("path", "test_path", "source"))
