"""The job records the API renders: what was asked (a spec), where it stands, what it made.

A job's spec and result travel through the store as JSON text; these Pydantic models
are their only shape, so the worker process, the API and a restarted server read the same
fields. Every model is frozen and refuses unknown keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from colloquy.data.loaders import ColumnMapping
from colloquy.storage.jobs import JobKind, JobRow, JobState

UploadSource = Literal["csv", "jsonl", "parquet", "transcript", "conversations"]
UPLOAD_SOURCES: tuple[UploadSource, ...] = (
    "csv",
    "jsonl",
    "parquet",
    "transcript",
    "conversations",
)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrainingSpec(_Frozen):
    """A pipeline run: the absolute path of its YAML file (inline YAML is saved to one)."""

    kind: Literal["training"] = "training"
    pipeline_file: str
    inline: bool = False


class IngestSpec(_Frozen):
    """An uploaded file (or folder unpacked from a zip) to ingest into ``dataset``."""

    kind: Literal["ingest"] = "ingest"
    dataset: str
    source: UploadSource
    path: str
    mapping: ColumnMapping | None = None
    speaker_map: dict[str, str] = Field(default_factory=dict)
    default_role: str | None = None
    on_error: Literal["fail", "skip"] = "fail"
    clean: bool = True
    mask_pii: bool = True


JobSpec = Annotated[TrainingSpec | IngestSpec, Field(discriminator="kind")]


class _SpecDocument(_Frozen):
    spec: JobSpec


def dump_spec(spec: TrainingSpec | IngestSpec) -> str:
    return _SpecDocument(spec=spec).model_dump_json()


def load_spec(text: str) -> TrainingSpec | IngestSpec:
    return _SpecDocument.model_validate_json(text).spec


class TrainingResult(_Frozen):
    """What a finished pipeline run left: its run id (``colloquy pipeline show``) and status."""

    kind: Literal["training"] = "training"
    run_id: str | None
    status: str


class IngestOutcome(_Frozen):
    """The counts of an ingest, as ``colloquy data ingest`` prints them."""

    kind: Literal["ingest"] = "ingest"
    dataset: str
    conversations_read: int
    inserted: int
    duplicates_skipped: int
    turns_written: int
    rows_skipped: int
    problems: tuple[str, ...] = ()


JobResult = Annotated[TrainingResult | IngestOutcome, Field(discriminator="kind")]


class _ResultDocument(_Frozen):
    result: JobResult


def dump_result(result: TrainingResult | IngestOutcome) -> str:
    return _ResultDocument(result=result).model_dump_json()


def load_result(text: str | None) -> TrainingResult | IngestOutcome | None:
    if text is None:
        return None
    return _ResultDocument.model_validate_json(text).result


@dataclass(frozen=True, slots=True)
class Job:
    """A job with its spec and result parsed: what the API's job routes render."""

    id: str
    kind: JobKind
    state: JobState
    stage: str | None
    progress: float | None
    message: str | None
    metrics: Mapping[str, float]
    error: str | None
    spec: TrainingSpec | IngestSpec
    result: TrainingResult | IngestOutcome | None
    pid: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime

    @property
    def finished(self) -> bool:
        return self.state in ("succeeded", "failed", "cancelled")

    @classmethod
    def from_row(cls, row: JobRow) -> Job:
        return cls(
            id=row.id,
            kind=row.kind,
            state=row.state,
            stage=row.stage,
            progress=row.progress,
            message=row.message,
            metrics=row.metrics,
            error=row.error,
            spec=load_spec(row.spec),
            result=load_result(row.result),
            pid=row.pid,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            updated_at=row.updated_at,
        )
