"""Running pipelines: cached stages, atomic checkpoints, resume, retries, failure reports."""

from colloquy.pipelines.orchestrator.failures import PipelineFailedError, TransientError
from colloquy.pipelines.orchestrator.records import FailureReport, RunState, StageRecord
from colloquy.pipelines.orchestrator.runner import (
    RunOptions,
    TuneOverrides,
    resume_run,
    run_pipeline,
    validate_pipeline,
)
from colloquy.pipelines.orchestrator.runs import RunStore

__all__ = [
    "FailureReport",
    "PipelineFailedError",
    "RunOptions",
    "RunState",
    "RunStore",
    "StageRecord",
    "TransientError",
    "TuneOverrides",
    "resume_run",
    "run_pipeline",
    "validate_pipeline",
]
