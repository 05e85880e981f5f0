"""The API side of jobs: queue them, start one worker process each, watch them, cancel.

:class:`JobRunner` lives in the API process. A dispatcher thread claims queued jobs (one
conditional ``UPDATE``, so several API workers never start a job twice), starts a worker
process per job in its own session (it outlives an API restart, and a cancel stops its
children too), and reaps it: a worker that exits without ending its job leaves it
*failed* with the exit code, never *running*. On start the runner looks at every job the
store says is running; one whose worker process is gone (the machine or the API was
restarted, the worker was killed) is marked failed with "worker exited", one whose
worker still runs is watched until it ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from colloquy.errors import ColloquyError, NotFoundError
from colloquy.logging import get_logger
from colloquy.pipelines.jobs.events import append_event, last_event, state_event
from colloquy.pipelines.jobs.files import JobFiles
from colloquy.pipelines.jobs.records import IngestSpec, Job, TrainingSpec, dump_spec
from colloquy.storage.jobs import JobKind, JobRepository, JobState, UploadRow

WORKER_MODULE = "colloquy.pipelines.jobs.worker"
SWEEP_SECONDS = 10.0
SWEEP_GRACE_SECONDS = 30.0
"""Every SWEEP_SECONDS the runner looks for running jobs whose worker is gone, leaving
alone those changed in the last SWEEP_GRACE_SECONDS (being started by another process)."""
COUNT_SECONDS = 1.0
"""How often the jobs-by-state counts are refreshed (the API's ``jobs`` gauge)."""
GONE = "worker exited: its process is gone (the API or the machine restarted, or it was killed)"


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    """How to start a worker: the store it reports to, the jobs folder, the folders a
    pipeline may read, environment variables to add (``COLLOQUY_HOME``…) and the colloquy
    settings file the API was started with (MLflow, logging…), if any."""

    store_url: str
    root: Path
    allowed: tuple[Path, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    config_file: Path | None = None
    python: str = sys.executable

    def command(self, job_id: str) -> list[str]:
        allowed = [arg for path in self.allowed for arg in ("--allow", str(path))]
        config = ["--config", str(self.config_file)] if self.config_file is not None else []
        return [
            self.python, "-m", WORKER_MODULE, job_id, "--root", str(self.root), *allowed, *config
        ]  # fmt: skip

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            **self.environment,
            "COLLOQUY_DATABASE_URL": self.store_url,
            "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE", "1"),
        }


def worker_alive(pid: int | None, job_id: str) -> bool:
    """Whether ``pid`` is still the worker of ``job_id`` (not a reused pid, not a zombie)."""
    if pid is None or pid <= 0:
        return False
    proc = Path("/proc")
    if proc.is_dir():
        try:
            cmdline = (proc / str(pid) / "cmdline").read_bytes()
        except OSError:
            return False
        return job_id.encode() in cmdline
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def with_latest_event(job: Job, files: JobFiles) -> Job:
    """A running job with its newest progress report: the store holds a throttled copy
    (none at all during an ingest, whose transaction holds the store's write lock)."""
    event = last_event(files.events(job.id))
    if event is None or event.state != "running" or event.stage is None:
        return job
    detail = f"{event.stage}: {event.done}/{event.total or '?'} {event.unit or ''}".rstrip()
    if event.stage == "pipeline" and event.message:
        detail += f" ({event.message})"
    progress = event.progress if event.progress is not None else job.progress
    return replace(job, message=detail, progress=progress)


class JobRunner:
    """Queues jobs in the store and runs each in a worker process, ``max_running`` at once."""

    def __init__(
        self,
        repository: JobRepository,
        config: WorkerConfig,
        *,
        max_running: int = 2,
        poll_seconds: float = 0.25,
        on_counts: Callable[[Mapping[JobState, int]], None] | None = None,
    ) -> None:
        self.repository = repository
        self.config = config
        self.files = JobFiles(config.root)
        self.max_running = max_running
        self.poll_seconds = poll_seconds
        self.on_counts = on_counts
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._adopted: dict[str, int] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._log = get_logger(__name__)
        self._counted = 0.0
        self._swept = time.monotonic()

    def start(self) -> None:
        self.config.root.mkdir(parents=True, exist_ok=True)
        self.recover()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="colloquy-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop dispatching; running workers go on and finish their jobs by themselves."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def submit(
        self,
        kind: JobKind,
        spec: TrainingSpec | IngestSpec,
        *,
        upload: UploadRow | None = None,
        job_id: str | None = None,
    ) -> Job:
        job_id = job_id or uuid.uuid4().hex
        self.files.directory(job_id, create=True)
        row = self.repository.create(job_id=job_id, kind=kind, spec=dump_spec(spec), upload=upload)
        append_event(self.files.events(job_id), state_event("queued"))
        self._wake.set()
        return Job.from_row(row)

    def get(self, job_id: str, kind: JobKind | None = None) -> Job:
        """The job; with ``kind``, a job of another kind is not found (each route family
        sees only its own jobs)."""
        self.files.directory(job_id)
        row = self.repository.get(job_id)
        if kind is not None and row.kind != kind:
            raise NotFoundError(f"no {kind} job {job_id!r}", hint="check the job id")
        job = Job.from_row(row)
        return with_latest_event(job, self.files) if row.state == "running" else job

    def list_jobs(self, kind: JobKind | None = None, *, limit: int = 100) -> list[Job]:
        return [Job.from_row(row) for row in self.repository.list_jobs(kind=kind, limit=limit)]

    def cancel(self, job_id: str, kind: JobKind | None = None) -> Job:
        """Cancel a queued or running job and stop its worker (and the worker's children)."""
        self.get(job_id, kind)
        row = self.repository.cancel(job_id)
        append_event(self.files.events(job_id), state_event("cancelled", "cancelled by request"))
        with self._lock:
            child = self._children.get(job_id)
            pid = child.pid if child is not None else row.pid
        if pid is not None and (child is not None or worker_alive(pid, job_id)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGTERM)
        self._log.info("job.cancelled", job_id=job_id, pid=pid)
        return Job.from_row(row)

    def recover(self, *, grace_seconds: float = 0.0) -> list[str]:
        """Fail every running job whose worker is gone; watch those whose worker lives.

        Run at start, and every ``SWEEP_SECONDS`` with a grace period, so a job whose
        worker belonged to another (crashed) API process is not left running either; the
        grace spares a job another process claimed a moment ago and is still starting.
        """
        failed: list[str] = []
        settled = datetime.now(UTC) - timedelta(seconds=grace_seconds)
        for row in self.repository.list_jobs(states=("running",), limit=10_000):
            if grace_seconds and row.updated_at > settled:
                continue
            if worker_alive(row.pid, row.id):
                with self._lock:
                    if row.id not in self._children and row.pid is not None:
                        self._adopted[row.id] = row.pid
                continue
            with self._lock:
                if row.id in self._children:
                    continue
            if self.repository.finish(row.id, "failed", error=GONE):
                append_event(self.files.events(row.id), state_event("failed", GONE))
                failed.append(row.id)
                self._log.warning("job.worker_gone", job_id=row.id, pid=row.pid)
        return failed

    def running(self) -> int:
        with self._lock:
            return len(self._children)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except ColloquyError as exc:
                self._log.warning("jobs.dispatch_failed", error=exc.one_line())
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def _tick(self) -> None:
        self._reap()
        self._watch_adopted()
        now = time.monotonic()
        if now - self._swept >= SWEEP_SECONDS:
            self._swept = now
            self.recover(grace_seconds=SWEEP_GRACE_SECONDS)
        while self.running() < self.max_running and not self._stop.is_set():
            if not self._launch_next():
                break
        now = time.monotonic()
        if self.on_counts is not None and now - self._counted >= COUNT_SECONDS:
            self._counted = now
            self.on_counts(self.repository.count_by_state())

    def _reap(self) -> None:
        with self._lock:
            ended = [(i, p.returncode) for i, p in self._children.items() if p.poll() is not None]
            for job_id, _ in ended:
                del self._children[job_id]
        for job_id, code in ended:
            error = f"worker exited with status {code} before ending the job"
            if self.repository.finish(job_id, "failed", error=error):
                append_event(self.files.events(job_id), state_event("failed", error))
                self._log.warning("job.worker_died", job_id=job_id, status=code)

    def _watch_adopted(self) -> None:
        with self._lock:
            gone = [i for i, pid in self._adopted.items() if not worker_alive(pid, i)]
            for job_id in gone:
                del self._adopted[job_id]
        for job_id in gone:
            if self.repository.finish(job_id, "failed", error=GONE):
                append_event(self.files.events(job_id), state_event("failed", GONE))

    def _launch_next(self) -> bool:
        """Claim and start the oldest queued job; False when there is none."""
        queued = self.repository.list_jobs(states=("queued",), limit=20, oldest_first=True)
        for row in queued:
            if not self.repository.claim(row.id):
                continue
            self._spawn(row.id)
            return True
        return False

    def _spawn(self, job_id: str) -> None:
        folder = self.files.directory(job_id, create=True)
        try:
            with (folder / "log.txt").open("ab") as log:
                child = subprocess.Popen(
                    self.config.command(job_id),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=self.config.env(),
                    cwd=folder,
                    start_new_session=True,
                )
        except OSError as exc:
            error = f"could not start a worker process: {exc}"
            self.repository.finish(job_id, "failed", error=error)
            append_event(self.files.events(job_id), state_event("failed", error))
            return
        with self._lock:
            self._children[job_id] = child
        self.repository.set_pid(job_id, child.pid)
        self._log.info("job.spawned", job_id=job_id, pid=child.pid)
