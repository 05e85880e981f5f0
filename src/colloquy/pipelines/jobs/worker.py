"""The worker process: ``python -m colloquy.pipelines.jobs.worker JOB_ID --root DIR``.

One process per job, started by :class:`~colloquy.pipelines.jobs.runner.JobRunner`, so a
training run never shares the API's interpreter (its memory, its GIL, a crash). The
worker reads its job from the store, writes progress to the job's event file (and, for
training, a throttled copy to the store), and ends the job: succeeded with its result, or
failed with a one-line error. Its stdout and stderr are the job's log. If the worker is
killed, the API that started it (or the next one to start) marks the job failed.

An ingest holds the store's write lock for its whole transaction, so its progress goes to
the event file only: writing it to a SQLite store from a second connection would wait
for that very lock.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path

from colloquy.config import load_settings
from colloquy.errors import ColloquyError
from colloquy.logging import configure_logging, get_logger
from colloquy.pipelines.jobs.events import append_event, progress_event, state_event
from colloquy.pipelines.jobs.files import JobFiles
from colloquy.pipelines.jobs.records import (
    IngestOutcome,
    IngestSpec,
    TrainingResult,
    dump_result,
    load_spec,
)
from colloquy.progress import ProgressEvent
from colloquy.storage import Store
from colloquy.storage.jobs import JobRepository, JobUpdate

STORE_UPDATE_SECONDS = 1.0


class Reporter:
    """Progress of one job: every event to its file, a throttled copy to the store."""

    def __init__(
        self, repository: JobRepository, files: JobFiles, job_id: str, *, to_store: bool
    ) -> None:
        self.repository = repository
        self.events = files.events(job_id)
        self.job_id = job_id
        self.to_store = to_store
        self._last_store = 0.0
        self.metrics: dict[str, float] = {}

    def progress(self, event: ProgressEvent, overall: float | None, stage: str | None) -> None:
        append_event(self.events, progress_event(event, overall))
        now = time.monotonic()
        if self.to_store and now - self._last_store >= STORE_UPDATE_SECONDS:
            self._last_store = now
            message = f"{event.stage}: {event.done}/{event.total or '?'} {event.unit}"
            self.repository.report(
                self.job_id, JobUpdate(stage=stage, progress=overall, message=message)
            )

    def on_metrics(self, metrics: Mapping[str, float]) -> None:
        self.metrics = dict(metrics)
        self.repository.report(self.job_id, JobUpdate(metrics=self.metrics))


def run_job(
    job_id: str, files: JobFiles, roots: tuple[Path, ...], config_file: Path | None = None
) -> int:
    """Run job ``job_id`` to its end; the process's exit status.

    The store is the project store of the worker's environment: the runner sets
    ``COLLOQUY_DATABASE_URL`` (never a command-line argument, which ``ps`` would show
    with its password); the rest comes from the API's settings file, if it had one.
    """
    log = get_logger(__name__)
    settings = load_settings(config_file)
    with Store.open(settings.resolved_database_url) as store:
        repository = JobRepository(store.engine)
        row = repository.get(job_id)
        if row.state != "running":
            log.info("job.skipped", job_id=job_id, state=row.state)
            return 0
        repository.set_pid(job_id, os.getpid())
        spec = load_spec(row.spec)
        reporter = Reporter(repository, files, job_id, to_store=not isinstance(spec, IngestSpec))
        stage = "ingest" if isinstance(spec, IngestSpec) else "pipeline"
        repository.report(job_id, JobUpdate(stage=stage, progress=0.0))
        append_event(files.events(job_id), state_event("running", f"worker {os.getpid()}"))
        log.info("job.started", job_id=job_id, kind=row.kind, pid=os.getpid())
        try:
            result: TrainingResult | IngestOutcome
            if isinstance(spec, IngestSpec):
                from colloquy.pipelines.jobs.ingest_job import run_ingest

                def ingest_progress(event: ProgressEvent) -> None:
                    reporter.progress(event, None, "ingest")

                result = run_ingest(spec, settings, store, progress=ingest_progress)
            else:
                from colloquy.pipelines.jobs.training import StageProgress, run_training

                result = run_training(
                    spec,
                    settings,
                    roots,
                    progress=StageProgress(reporter.progress),
                    on_metrics=reporter.on_metrics,
                )
        except ColloquyError as exc:
            return _fail(repository, files, job_id, exc.one_line())
        except Exception as exc:
            traceback.print_exc()
            return _fail(repository, files, job_id, f"{type(exc).__name__}: {exc}".splitlines()[0])
        metrics = reporter.metrics or None
        if repository.finish(job_id, "succeeded", result=dump_result(result), metrics=metrics):
            append_event(files.events(job_id), state_event("succeeded"))
        log.info("job.finished", job_id=job_id)
        return 0


def _fail(repository: JobRepository, files: JobFiles, job_id: str, error: str) -> int:
    get_logger(__name__).error("job.failed", job_id=job_id, error=error)
    if repository.finish(job_id, "failed", error=error):
        append_event(files.events(job_id), state_event("failed", error))
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m colloquy.pipelines.jobs.worker")
    parser.add_argument("job_id")
    parser.add_argument("--root", required=True, type=Path, help="the jobs folder")
    parser.add_argument(
        "--allow", action="append", type=Path, default=[], help="a folder pipelines may read"
    )
    parser.add_argument("--config", type=Path, default=None, help="colloquy settings file")
    args = parser.parse_args(argv)
    configure_logging("info", "json", sys.stderr)
    return run_job(args.job_id, JobFiles(args.root), tuple(args.allow), args.config)


if __name__ == "__main__":
    raise SystemExit(main())
