"""The job response family shared by training jobs and dataset ingests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from colloquy.pipelines.jobs import IngestOutcome, IngestSpec, Job, TrainingResult, TrainingSpec
from colloquy.storage.jobs import JobKind, JobState


class JobPublic(BaseModel):
    """A job as clients see it (no server paths, no process ids)."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "id": "3f2b6c1e9a8d4f0b8c7e6d5a4b3c2d1e",
                    "kind": "training",
                    "state": "running",
                    "stage": "train",
                    "progress": 0.6,
                    "message": "pipeline: 3/5 stages",
                    "metrics": {"evaluate.accuracy": 0.91},
                    "error": None,
                    "pipeline": "pipeline-3f2b6c1e.yaml",
                    "dataset": None,
                    "source": None,
                    "result": None,
                    "created_at": "2026-11-29T05:00:00Z",
                    "started_at": "2026-11-29T05:00:01Z",
                    "finished_at": None,
                    "updated_at": "2026-11-29T05:00:09Z",
                }
            ]
        },
    )

    id: str
    kind: JobKind
    state: JobState
    stage: str | None = Field(description="The stage running now (or the last one)")
    progress: float | None = Field(description="0..1 over the whole job, when known")
    message: str | None
    metrics: dict[str, float] = Field(description="Metrics so far, as stage.metric")
    error: str | None = Field(description="Why the job failed, in one line")
    pipeline: str | None = Field(description="Training: the pipeline file's name")
    dataset: str | None = Field(description="Ingest: the dataset written to")
    source: str | None = Field(description="Ingest: how the upload is read")
    result: TrainingResult | IngestOutcome | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, job: Job) -> JobPublic:
        ingest = job.spec if isinstance(job.spec, IngestSpec) else None
        training = job.spec if isinstance(job.spec, TrainingSpec) else None
        return cls(
            id=job.id,
            kind=job.kind,
            state=job.state,
            stage=job.stage,
            progress=job.progress,
            message=job.message,
            metrics=dict(job.metrics),
            error=job.error,
            pipeline=Path(training.pipeline_file).name if training is not None else None,
            dataset=ingest.dataset if ingest is not None else None,
            source=ingest.source if ingest is not None else None,
            result=job.result,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            updated_at=job.updated_at,
        )


class JobList(BaseModel):
    model_config = ConfigDict(frozen=True)

    jobs: list[JobPublic]


JOB_ID_PATTERN = "^[0-9a-f]{32}$"
LOG_MEDIA_TYPE: Literal["text/plain; charset=utf-8"] = "text/plain; charset=utf-8"
