"""``/v1/datasets``: upload data (ingested by a background job) and read stored datasets.

``POST /v1/datasets`` stores the multipart file under the data directory (streamed in
chunks, size-limited, with a sanitised name, never executed), checks the options, and
answers 202 with the ingest job, which ``GET /v1/ingest-jobs/{id}`` follows. The reads
are the store's: the dataset list and counts, the quality report, conversations a page
at a time behind an opaque cursor, and the analytics aggregate (computed incrementally
and stored, so asking again without new data computes nothing).
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, Response, UploadFile
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from colloquy.analytics.analysis import DatasetAnalysis
from colloquy.analytics.outcomes import ConversationFilter
from colloquy.analytics.outcomes.trends import Bucket
from colloquy.analytics.persistence import IncrementalStats, analyze_stored
from colloquy.data.quality import QualityReport, quality_report
from colloquy.pipelines.jobs import UPLOAD_SOURCES, UploadTooLargeError
from colloquy.pipelines.jobs.submit import UploadRequest, submit_upload
from colloquy.schema import Conversation, Speaker
from colloquy.services.api.deps import StoreDep
from colloquy.services.api.job_runtime import JobRuntimeDep, lifespan
from colloquy.services.api.problems import PROBLEM_BASE, PROBLEM_RESPONSES, ProblemError
from colloquy.services.api.routes.analysis import analysis_runtime
from colloquy.services.api.routes.job_models import JOB_ID_PATTERN, JobPublic
from colloquy.services.api.security import Principal, Scope, require_scope
from colloquy.storage.jobs import JobRepository, UploadRow
from colloquy.storage.paging import conversation_page

__all__ = ["lifespan", "router"]

router = APIRouter(prefix="/v1", tags=["datasets"], responses={**PROBLEM_RESPONSES})

Reader = Annotated[Principal, Depends(require_scope(Scope.READ))]
Trainer = Annotated[Principal, Depends(require_scope(Scope.TRAIN))]
DatasetName = Annotated[str, Path(min_length=1, max_length=200, description="A stored dataset")]
MAX_PAGE = 200


class DatasetPublic(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    source: str
    description: str | None
    conversations: int
    turns: int
    created_at: datetime


class DatasetList(BaseModel):
    model_config = ConfigDict(frozen=True)

    datasets: list[DatasetPublic]


class UploadPublic(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    job_id: str | None
    filename: str
    source: str
    bytes: int
    sha256: str
    created_at: datetime

    @classmethod
    def of(cls, row: UploadRow) -> UploadPublic:
        return cls(
            id=row.id,
            job_id=row.job_id,
            filename=row.filename,
            source=row.source,
            bytes=row.bytes,
            sha256=row.sha256,
            created_at=row.created_at,
        )


class DatasetDetail(DatasetPublic):
    speakers: dict[str, int] = Field(description="Turns per speaker role")
    outcomes: dict[str, int] = Field(description="Conversations per outcome")
    labels: dict[str, dict[str, int]] = Field(description="Conversations per label value")
    ingests: int = Field(description="How many ingests wrote to the dataset")
    uploads: list[UploadPublic]


class ConversationPagePublic(BaseModel):
    """One page; pass ``next_cursor`` back as ``cursor`` for the next (null: the end)."""

    model_config = ConfigDict(frozen=True)

    conversations: list[Conversation]
    next_cursor: str | None


class AnalyticsPublic(BaseModel):
    """The dataset's analysis, and what this request computed or reused."""

    model_config = ConfigDict(frozen=True)

    analysis: DatasetAnalysis
    run: IncrementalStats


@router.post("/datasets", status_code=202, response_model=JobPublic)
async def upload_dataset(
    response: Response,
    runtime: JobRuntimeDep,
    _: Trainer,
    file: Annotated[UploadFile, File(description="CSV, JSONL, Parquet, a transcript, or a zip")],
    dataset: Annotated[str, Form(min_length=1, max_length=200)],
    source: Annotated[
        Literal["csv", "jsonl", "parquet", "transcript", "conversations"],
        Form(description=f"How to read the file: {', '.join(UPLOAD_SOURCES)}"),
    ],
    mapping: Annotated[
        list[str],
        Form(description="csv/jsonl/parquet column mapping FIELD=COLUMN (repeat the field)"),
    ] = [],  # noqa: B006 - FastAPI copies form defaults per request
    speaker: Annotated[
        list[str], Form(description="Transcripts: NAME=ROLE (repeat the field)")
    ] = [],  # noqa: B006
    default_role: Annotated[str | None, Form()] = None,
    on_error: Annotated[Literal["fail", "skip"], Form()] = "fail",
    clean: Annotated[bool, Form()] = True,
    mask_pii: Annotated[bool, Form()] = True,
) -> JobPublic:
    """Store the file and queue its ingest; 202 with the job (``GET /v1/ingest-jobs/{id}``).

    Ingesting is all or nothing and skips conversations already in the dataset.
    """
    request = UploadRequest(
        dataset=dataset,
        source=source,
        mapping=tuple(mapping),
        speaker=tuple(speaker),
        default_role=default_role,
        on_error=on_error,
        clean=clean,
        mask_pii=mask_pii,
    )
    try:
        job = await run_in_threadpool(
            submit_upload, runtime.runner, runtime.uploads, file.file, file.filename, request
        )
    except UploadTooLargeError as exc:
        raise ProblemError(
            413, "Upload too large", exc.one_line(), type_=PROBLEM_BASE + "too-large"
        ) from None
    finally:
        await file.close()
    response.headers["Location"] = f"/v1/ingest-jobs/{job.id}"
    return JobPublic.of(job)


@router.get("/datasets", response_model=DatasetList)
def list_datasets(store: StoreDep, _: Reader) -> DatasetList:
    """Every stored dataset with its conversation and turn counts."""
    return DatasetList(
        datasets=[
            DatasetPublic(
                name=i.name,
                source=i.source,
                description=i.description,
                conversations=i.conversations,
                turns=i.turns,
                created_at=i.created_at,
            )
            for i in store.datasets()
        ]
    )


@router.get("/datasets/{name}", response_model=DatasetDetail)
def get_dataset(name: DatasetName, store: StoreDep, _: Reader) -> DatasetDetail:
    """Counts by speaker, outcome and label, and the files uploaded into the dataset."""
    info = store.dataset(name)
    stats = store.stats(name)
    uploads = JobRepository(store.engine).uploads(name)
    return DatasetDetail(
        name=info.name,
        source=info.source,
        description=info.description,
        conversations=info.conversations,
        turns=info.turns,
        created_at=info.created_at,
        speakers=dict(stats.speakers),
        outcomes=dict(stats.outcomes),
        labels={k: dict(v) for k, v in stats.labels.items()},
        ingests=len(info.params.get("ingests", [])),
        uploads=[UploadPublic.of(row) for row in uploads],
    )


@router.get("/datasets/{name}/quality", response_model=QualityReport)
def dataset_quality(
    name: DatasetName,
    store: StoreDep,
    _: Reader,
    label: Annotated[str | None, Query(max_length=200, description="Label key")] = None,
) -> QualityReport:
    """Completeness, duplicates, label balance, turn and speaker statistics."""
    store.dataset(name)
    return quality_report(store.conversations(name), label_key=label)


def _cursor(after: int) -> str:
    return base64.urlsafe_b64encode(f"c1:{after}".encode()).decode().rstrip("=")


def _position(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = text.partition(":")
        if prefix != "c1":
            raise ValueError(prefix)
        position = int(value)
        if position < 0:
            raise ValueError(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ProblemError(
            400,
            "Bad cursor",
            f"cursor {cursor[:40]!r} is not one this API returned",
            type_=PROBLEM_BASE + "bad-cursor",
        ) from None
    return position


@router.get("/datasets/{name}/conversations", response_model=ConversationPagePublic)
def dataset_conversations(
    name: DatasetName,
    store: StoreDep,
    _: Reader,
    cursor: Annotated[str | None, Query(max_length=100, description="From next_cursor")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> ConversationPagePublic:
    """Conversations in insertion order, ``limit`` at a time (keyset pagination)."""
    page = conversation_page(store.engine, name, after=_position(cursor), limit=limit)
    return ConversationPagePublic(
        conversations=list(page.conversations),
        next_cursor=_cursor(page.next_after) if page.next_after is not None else None,
    )


@router.get("/datasets/{name}/analytics", response_model=AnalyticsPublic)
def dataset_analytics(
    name: DatasetName,
    request: Request,
    store: StoreDep,
    _: Reader,
    start: Annotated[date | None, Query(alias="from", description="First day (UTC)")] = None,
    end: Annotated[date | None, Query(alias="to", description="Last day (UTC)")] = None,
    channel: Annotated[list[str], Query()] = [],  # noqa: B006
    source: Annotated[list[str], Query()] = [],  # noqa: B006
    brand: Annotated[list[str], Query()] = [],  # noqa: B006
    intent: Annotated[list[str], Query()] = [],  # noqa: B006
    speaker: Annotated[list[Speaker], Query()] = [],  # noqa: B006
    bucket: Annotated[Bucket, Query(description="Trend point width")] = Bucket.DAY,
) -> AnalyticsPublic:
    """Sentiment, talk dynamics, failure points (ranked, with their association with bad
    outcomes), flow, outcome rates and trends over the conversations the filters keep.

    Per-conversation analyses are stored; a request analyses only conversations that are
    new or changed since the last one, and none when the stored aggregate is current.
    """
    if start is not None and end is not None and start > end:
        raise ProblemError(
            400, "Bad filter", f"from {start} is after to {end}", type_=PROBLEM_BASE + "bad-filter"
        )
    where = ConversationFilter(
        start=start,
        end=end,
        channels=frozenset(channel),
        sources=frozenset(source),
        brands=frozenset(brand),
        intents=frozenset(intent),
        speakers=frozenset(speaker),
    )
    runtime = analysis_runtime(request.app, bucket)
    analysis, stats = analyze_stored(store, name, where=where, runtime=runtime)
    return AnalyticsPublic(analysis=analysis, run=stats)


@router.get("/ingest-jobs/{job_id}", response_model=JobPublic, tags=["datasets"])
async def get_ingest_job(
    job_id: Annotated[str, Path(pattern=JOB_ID_PATTERN)], runtime: JobRuntimeDep, _: Reader
) -> JobPublic:
    """An upload's ingest: state, progress, and the counts (or the error) at the end."""
    return JobPublic.of(await run_in_threadpool(runtime.runner.get, job_id, "ingest"))


@router.get(
    "/ingest-jobs/{job_id}/logs",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}, "description": "The end of the log"}},
)
async def ingest_job_logs(
    job_id: Annotated[str, Path(pattern=JOB_ID_PATTERN)],
    runtime: JobRuntimeDep,
    _: Reader,
    tail_bytes: Annotated[int, Query(ge=1, le=1_048_576)] = 65_536,
) -> PlainTextResponse:
    await run_in_threadpool(runtime.runner.get, job_id, "ingest")
    text = await run_in_threadpool(runtime.runner.files.read_log, job_id, tail_bytes=tail_bytes)
    return PlainTextResponse(text)
