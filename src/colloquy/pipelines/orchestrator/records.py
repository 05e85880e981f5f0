"""The run record: what ``run.json`` holds, what ``pipeline show`` renders.

It is rewritten atomically after every stage, so a run killed at any moment leaves the
record of the last finished stage; ``pipeline resume`` continues from there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from colloquy.pipelines.components.base import Scalar
from colloquy.pipelines.spec.schema import Stage, Task

StageStatus = Literal["pending", "done", "cached", "failed"]
RunStatus = Literal["running", "succeeded", "failed"]
FailureKind = Literal["data", "transient", "bug"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StageRecord(_Record):
    """One stage of a run."""

    stage: Stage
    component: str
    status: StageStatus = "pending"
    key: str | None = Field(default=None, description="Cache key of the stage's output")
    seconds: float | None = None
    attempts: int = 0
    metrics: dict[str, float] = Field(default_factory=dict)
    info: dict[str, Scalar] = Field(default_factory=dict)
    output: str | None = Field(default=None, description="The output directory")
    artifacts: tuple[str, ...] = ()


class FailureReport(_Record):
    """Why a run stopped: the stage, its input, the cause and what to do."""

    stage: Stage
    component: str
    kind: FailureKind
    cause: str
    inputs: tuple[str, ...]
    action: str
    attempts: int

    def one_line(self) -> str:
        inputs = ", ".join(self.inputs) or "the pipeline's data"
        return (
            f"stage {self.stage} ({self.component}) failed [{self.kind} error] after "
            f"{self.attempts} attempt(s) reading {inputs}: {self.cause}"
        )


class RunState(_Record):
    """A pipeline run, as ``run.json`` records it."""

    run_id: str
    name: str
    task: Task
    pipeline_file: str
    pipeline_sha256: str
    data_version: str
    data_lineage: tuple[str, ...] = Field(
        default=(), description="DVC revision and md5 of each input kept in DVC"
    )
    force_register: bool = False
    status: RunStatus = "running"
    created_at: datetime
    updated_at: datetime
    seconds: float = 0.0
    tracking_run_id: str | None = None
    stages: tuple[StageRecord, ...]
    failure: FailureReport | None = None

    def stage(self, name: Stage) -> StageRecord:
        return next(record for record in self.stages if record.stage == name)

    def with_stage(self, record: StageRecord) -> RunState:
        stages = tuple(record if s.stage == record.stage else s for s in self.stages)
        return self.model_copy(update={"stages": stages})

    @property
    def metrics(self) -> dict[str, float]:
        """Every stage's metrics, as ``stage.metric``."""
        return {f"{s.stage}.{k}": v for s in self.stages for k, v in s.metrics.items()}
