"""What a pipeline run records in MLflow: lineage tags, the pipeline file, each stage's
parameters, metrics and artifacts, and the run's final status.

A resumed run keeps logging into the MLflow run it started. With ``tracking.enabled:
false`` (and no register stage) nothing is recorded: the run goes to a NullTracker.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from colloquy.pipelines.orchestrator.records import RunState, StageRecord
from colloquy.pipelines.spec.checks import tracking_uri, uses_tracking
from colloquy.pipelines.spec.loader import Pipeline, PlannedStage

if TYPE_CHECKING:
    from colloquy.config import Settings
    from colloquy.tracking.base import ParamValue, TrackedRun, Tracker


@dataclass(frozen=True, slots=True)
class RunTracking:
    """The tracked run of one pipeline run."""

    run: TrackedRun

    @property
    def run_id(self) -> str:
        return self.run.run_id

    def stage_finished(self, planned: PlannedStage, record: StageRecord) -> None:
        """Log a stage that ran: its parameters, metrics and artifacts."""
        params: dict[str, ParamValue] = {f"{planned.stage}.component": record.component}
        for name, value in planned.params.model_dump(mode="json").items():
            params[f"{planned.stage}.{name}"] = _param(value)
        self.run.log_params(params)
        if record.metrics:
            self.run.log_metrics({f"{planned.stage}.{k}": v for k, v in record.metrics.items()})
        if record.output is not None:
            for artifact in record.artifacts:
                path = Path(record.output) / artifact
                if path.exists():
                    self.run.log_artifact(path, artifact_path=planned.stage)

    def finish(self, state: RunState, *, failed: bool) -> None:
        if failed and state.failure is not None:
            self.run.log_text(state.failure.model_dump_json(indent=2), "failure.json")
        self.run.end("FAILED" if failed else "FINISHED")


def _param(value: object) -> ParamValue:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    import json

    return json.dumps(value, sort_keys=True)[:6000]


def tracker_for(pipeline: Pipeline, settings: Settings) -> Tracker:
    """MLflow at the pipeline's URI (or the settings'), or a NullTracker when off."""
    if not uses_tracking(pipeline):
        from colloquy.tracking import NullTracker

        return NullTracker()
    from colloquy.tracking import MlflowTracker

    uri = tracking_uri(pipeline, settings)
    default = uri == settings.resolved_mlflow_tracking_uri and not settings.mlflow.tracking_uri
    root = settings.resolved_mlflow_artifact_root if default else None
    experiment = pipeline.spec.tracking.experiment or settings.mlflow.experiment
    return MlflowTracker(uri, experiment, artifact_root=root)


def open_tracking(pipeline: Pipeline, state: RunState, settings: Settings) -> RunTracking:
    """Start (or, on resume, re-open) the run's tracked run, tagged with its lineage."""
    from colloquy.tracking import git_commit, run_tags

    tracker = tracker_for(pipeline, settings)
    if state.tracking_run_id is not None and uses_tracking(pipeline):
        return RunTracking(tracker.resume_run(state.tracking_run_id))
    tags = run_tags(
        git_commit=git_commit(pipeline.path.parent),
        dataset_version=state.data_version,
        run_id=state.run_id,
    )
    if state.data_lineage:
        tags["colloquy.data_lineage"] = "; ".join(state.data_lineage)[:5000]
    run = tracker.start_run(run_name=f"{state.name}-{state.run_id[:8]}", tags=tags)
    run.log_artifact(pipeline.path, artifact_path="pipeline")
    run.log_params({"pipeline.task": state.task, "pipeline.seed": pipeline.spec.seed})
    return RunTracking(run)
