"""The API's job machinery: one :class:`JobRunner` and upload area per app.

Both the dataset routes (uploads become ingest jobs) and the training-job routes use it,
so each of them names :func:`lifespan`; the first to run builds and starts it, the other
finds it there. Leaving the lifespan stops dispatching but not the running workers: a
job outlives an API restart, and the next start finds it (``JobRunner.recover``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from starlette.concurrency import run_in_threadpool

from colloquy.pipelines.jobs import JobRunner, UploadArea, UploadLimits, WorkerConfig
from colloquy.services.api.metrics import metrics_of
from colloquy.services.api.settings import ApiSettings
from colloquy.storage import Store
from colloquy.storage.jobs import JobRepository, JobState

MAX_RUNNING_JOBS = 2


@dataclass(frozen=True, slots=True)
class JobRuntime:
    """What the job routes share: the runner, the upload area and the readable folders."""

    runner: JobRunner
    uploads: UploadArea
    data_dir: Path
    roots: tuple[Path, ...]


def build_runtime(app: FastAPI, settings: ApiSettings, store: Store) -> JobRuntime:
    data_dir = settings.resolved_data_dir().resolve()
    core = settings.core()
    roots = (data_dir, core.resolved_data_dir.resolve())
    gauge = metrics_of(app).jobs

    def on_counts(counts: Mapping[JobState, int]) -> None:
        for state, count in counts.items():
            gauge.labels(state=state).set(count)

    config = WorkerConfig(
        store_url=settings.resolved_store_url(),
        root=data_dir / "jobs",
        allowed=roots,
        environment={"COLLOQUY_HOME": str(core.resolved_home)},
        config_file=settings.config_file,
    )
    runner = JobRunner(
        JobRepository(store.engine), config, max_running=MAX_RUNNING_JOBS, on_counts=on_counts
    )
    uploads = UploadArea(data_dir, UploadLimits(max_bytes=settings.max_upload_bytes))
    return JobRuntime(runner=runner, uploads=uploads, data_dir=data_dir, roots=roots)


@asynccontextmanager
async def lifespan(app: FastAPI, settings: ApiSettings) -> AsyncIterator[None]:
    if isinstance(getattr(app.state, "jobs", None), JobRuntime):
        yield
        return
    runtime = build_runtime(app, settings, app.state.store)
    await run_in_threadpool(runtime.runner.start)
    app.state.jobs = runtime
    try:
        yield
    finally:
        await run_in_threadpool(runtime.runner.stop)
        del app.state.jobs


def runtime_of(request: Request) -> JobRuntime:
    runtime = getattr(request.app.state, "jobs", None)
    if not isinstance(runtime, JobRuntime):
        raise RuntimeError("the job runtime is not running: the app's lifespan has not started")
    return runtime


JobRuntimeDep = Annotated[JobRuntime, Depends(runtime_of)]
