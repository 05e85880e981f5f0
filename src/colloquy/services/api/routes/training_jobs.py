"""``/v1/training-jobs``: run a pipeline in a worker process and follow it.

The request thread only checks the pipeline and queues the job; the run happens in a
separate worker process (see :mod:`colloquy.pipelines.jobs.runner`). Progress is read
back from the store (``GET /{id}``), as server-sent events (``GET /{id}/events``, one
``progress`` event per report and a final ``end`` event with the job), or as the worker's
log (``GET /{id}/logs``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from colloquy.pipelines.jobs import read_events
from colloquy.pipelines.jobs.submit import submit_training
from colloquy.services.api.deps import SettingsDep
from colloquy.services.api.job_runtime import JobRuntimeDep, lifespan
from colloquy.services.api.problems import PROBLEM_RESPONSES
from colloquy.services.api.routes.job_models import JOB_ID_PATTERN, JobList, JobPublic
from colloquy.services.api.security import Principal, Scope, require_scope

__all__ = ["lifespan", "router"]

router = APIRouter(
    prefix="/v1/training-jobs", tags=["training jobs"], responses={**PROBLEM_RESPONSES}
)

Reader = Annotated[Principal, Depends(require_scope(Scope.READ))]
Trainer = Annotated[Principal, Depends(require_scope(Scope.TRAIN))]
JobId = Annotated[str, Path(pattern=JOB_ID_PATTERN, description="The job's id")]

SSE_POLL_SECONDS = 0.25
SSE_KEEPALIVE_SECONDS = 15.0

_EXAMPLE_YAML = """\
name: intents
task: intent
seed: 0
data: {path: banking-train.csv, label_column: category}
stages:
  ingest: {}
  split: {params: {validation_fraction: 0.2}}
  featurize: {}
  train: {params: {method: tfidf}}
  evaluate: {}
tracking: {enabled: false}
"""


class TrainingJobCreate(BaseModel):
    """A pipeline to run: a file in the API's data directory, or the YAML itself.

    Relative data paths are relative to the data directory either way. The API refuses
    import-path components, ``${VAR}`` substitution, ``extends`` and data outside the data
    directory and colloquy's dataset folder.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"pipeline_yaml": _EXAMPLE_YAML}]},
    )

    pipeline_file: str | None = Field(
        default=None, max_length=500, description="A file name relative to the data directory"
    )
    pipeline_yaml: str | None = Field(
        default=None, max_length=262_144, description="The pipeline file's text"
    )


@router.post("", status_code=202, response_model=JobPublic)
async def create_training_job(
    body: TrainingJobCreate,
    response: Response,
    runtime: JobRuntimeDep,
    settings: SettingsDep,
    _: Trainer,
) -> JobPublic:
    """Check the pipeline and queue it; 202 with the job (poll it, or follow its events)."""
    job = await run_in_threadpool(
        submit_training,
        runtime.runner,
        data_dir=runtime.data_dir,
        settings=settings.core(),
        roots=runtime.roots,
        pipeline_file=body.pipeline_file,
        pipeline_yaml=body.pipeline_yaml,
    )
    response.headers["Location"] = f"{router.prefix}/{job.id}"
    return JobPublic.of(job)


@router.get("", response_model=JobList)
async def list_training_jobs(
    runtime: JobRuntimeDep,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> JobList:
    """The newest training jobs first."""
    jobs = await run_in_threadpool(runtime.runner.list_jobs, "training", limit=limit)
    return JobList(jobs=[JobPublic.of(job) for job in jobs])


@router.get("/{job_id}", response_model=JobPublic)
async def get_training_job(job_id: JobId, runtime: JobRuntimeDep, _: Reader) -> JobPublic:
    """State, stage, progress (0..1), metrics so far, and the result or error at the end."""
    return JobPublic.of(await run_in_threadpool(runtime.runner.get, job_id, "training"))


@router.post("/{job_id}/cancel", response_model=JobPublic)
async def cancel_training_job(job_id: JobId, runtime: JobRuntimeDep, _: Trainer) -> JobPublic:
    """Stop a queued or running job (its worker gets SIGTERM); 409 once it has ended."""
    return JobPublic.of(await run_in_threadpool(runtime.runner.cancel, job_id, "training"))


@router.get(
    "/{job_id}/logs",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}, "description": "The end of the log"}},
)
async def training_job_logs(
    job_id: JobId,
    runtime: JobRuntimeDep,
    _: Reader,
    tail_bytes: Annotated[int, Query(ge=1, le=1_048_576)] = 65_536,
) -> PlainTextResponse:
    """The last ``tail_bytes`` of the worker's log (JSON lines)."""
    await run_in_threadpool(runtime.runner.get, job_id, "training")
    text = await run_in_threadpool(runtime.runner.files.read_log, job_id, tail_bytes=tail_bytes)
    return PlainTextResponse(text)


@router.get(
    "/{job_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"}},
)
async def training_job_events(
    job_id: JobId,
    request: Request,
    runtime: JobRuntimeDep,
    _: Reader,
    last_event_id: Annotated[int | None, Header(ge=0)] = None,
) -> StreamingResponse:
    """Live progress as server-sent events: ``progress`` per report, ``end`` with the job.

    Reconnecting with ``Last-Event-ID`` resumes after the last event received.
    """
    await run_in_threadpool(runtime.runner.get, job_id, "training")
    stream = _events(job_id, request, runtime, last_event_id or 0)
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(
    job_id: str, request: Request, runtime: JobRuntimeDep, after: int
) -> AsyncIterator[str]:
    path = runtime.runner.files.events(job_id)
    quiet = 0.0
    while not await request.is_disconnected():
        events = await run_in_threadpool(read_events, path, after=after)
        for number, event in events:
            after = number
            yield f"id: {number}\nevent: progress\ndata: {event.model_dump_json()}\n\n"
        if events:
            quiet = 0.0
            continue
        job = await run_in_threadpool(runtime.runner.get, job_id, "training")
        if job.finished:
            for number, event in await run_in_threadpool(read_events, path, after=after):
                yield f"id: {number}\nevent: progress\ndata: {event.model_dump_json()}\n\n"
            yield f"event: end\ndata: {JobPublic.of(job).model_dump_json()}\n\n"
            return
        quiet += SSE_POLL_SECONDS
        if quiet >= SSE_KEEPALIVE_SECONDS:
            quiet = 0.0
            yield ": keep-alive\n\n"
        await asyncio.sleep(SSE_POLL_SECONDS)
