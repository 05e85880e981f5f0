"""Background jobs (training runs, dataset ingests) and the files uploaded for them.

A job's row is the one place its state lives, so a job outlives the API process that
started it: a restarted server reads it back, and a worker process that died is found by
its ``pid`` and marked failed instead of staying "running" forever. State moves only
forward (queued -> running -> succeeded | failed | cancelled); every transition is one
conditional ``UPDATE``, so two processes racing on a job (a worker finishing while a user
cancels) leave exactly one of them in effect. The storage layer keeps the job's request
and result as JSON text: the job library above it owns their shape.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, get_args

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    RowMapping,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)

from colloquy.errors import ConflictError, NotFoundError
from colloquy.schema.conversation import MAX_NAME_LENGTH, MAX_SOURCE_LENGTH
from colloquy.storage.engine import translate_errors
from colloquy.storage.tables import JsonColumn, metadata

JobState = Literal["queued", "running", "succeeded", "failed", "cancelled"]
JobKind = Literal["training", "ingest"]
JOB_STATES: tuple[JobState, ...] = get_args(JobState)
ACTIVE_STATES: tuple[JobState, ...] = ("queued", "running")
FINAL_STATES: tuple[JobState, ...] = ("succeeded", "failed", "cancelled")
JOB_ID_LENGTH = 32

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(JOB_ID_LENGTH), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("state", String(20), nullable=False),
    Column("stage", String(200), nullable=True),
    Column("progress", Float, nullable=True),
    Column("message", Text, nullable=True),
    Column("metrics", JsonColumn(), nullable=False),
    Column("error", Text, nullable=True),
    Column("spec", Text, nullable=False),
    Column("result", Text, nullable=True),
    Column("pid", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_jobs_state", "state"),
)

uploads = Table(
    "uploads",
    metadata,
    Column("id", String(JOB_ID_LENGTH), primary_key=True),
    Column("job_id", String(JOB_ID_LENGTH), ForeignKey("jobs.id", ondelete="CASCADE")),
    Column("dataset", String(MAX_NAME_LENGTH), nullable=False),
    Column("source", String(MAX_SOURCE_LENGTH), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("path", Text, nullable=False),
    Column("bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_uploads_dataset", "dataset"),
)


@dataclass(frozen=True, slots=True)
class JobRow:
    """One job as stored; ``spec`` and ``result`` are the job library's JSON documents."""

    id: str
    kind: JobKind
    state: JobState
    stage: str | None
    progress: float | None
    message: str | None
    metrics: Mapping[str, float]
    error: str | None
    spec: str
    result: str | None
    pid: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


@dataclass(frozen=True, slots=True)
class UploadRow:
    """A file received for a dataset, where it lies, and the ingest job reading it."""

    id: str
    job_id: str | None
    dataset: str
    source: str
    filename: str
    path: str
    bytes: int
    sha256: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class JobUpdate:
    """What a running job reports: its stage, a 0..1 fraction and a line of detail."""

    stage: str | None = None
    progress: float | None = None
    message: str | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _job(row: RowMapping) -> JobRow:
    created = _aware(row["created_at"])
    updated = _aware(row["updated_at"])
    assert created is not None
    assert updated is not None
    return JobRow(
        id=row["id"],
        kind=row["kind"],
        state=row["state"],
        stage=row["stage"],
        progress=row["progress"],
        message=row["message"],
        metrics={str(k): float(v) for k, v in (row["metrics"] or {}).items()},
        error=row["error"],
        spec=row["spec"],
        result=row["result"],
        pid=row["pid"],
        created_at=created,
        started_at=_aware(row["started_at"]),
        finished_at=_aware(row["finished_at"]),
        updated_at=updated,
    )


def _upload(row: RowMapping) -> UploadRow:
    created = _aware(row["created_at"])
    assert created is not None
    return UploadRow(
        id=row["id"],
        job_id=row["job_id"],
        dataset=row["dataset"],
        source=row["source"],
        filename=row["filename"],
        path=row["path"],
        bytes=int(row["bytes"]),
        sha256=row["sha256"],
        created_at=created,
    )


class JobRepository:
    """Jobs and uploads in the project store (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        with translate_errors(self.engine), self.engine.begin() as conn:
            yield conn

    def create(
        self, *, job_id: str, kind: JobKind, spec: str, upload: UploadRow | None = None
    ) -> JobRow:
        """Queue a job (and record the upload it reads) in one transaction."""
        now = _now()
        with self._transaction() as conn:
            conn.execute(
                insert(jobs).values(
                    id=job_id,
                    kind=kind,
                    state="queued",
                    metrics={},
                    spec=spec,
                    created_at=now,
                    updated_at=now,
                )
            )
            if upload is not None:
                conn.execute(
                    insert(uploads).values(
                        id=upload.id,
                        job_id=job_id,
                        dataset=upload.dataset,
                        source=upload.source,
                        filename=upload.filename,
                        path=upload.path,
                        bytes=upload.bytes,
                        sha256=upload.sha256,
                        created_at=upload.created_at,
                    )
                )
            return self._get(conn, job_id)

    def get(self, job_id: str) -> JobRow:
        with self._transaction() as conn:
            return self._get(conn, job_id)

    def _get(self, conn: Connection, job_id: str) -> JobRow:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"no job {job_id!r}", hint="list jobs with GET /v1/training-jobs")
        return _job(row)

    def list_jobs(
        self,
        *,
        kind: JobKind | None = None,
        states: tuple[JobState, ...] = (),
        limit: int = 100,
        oldest_first: bool = False,
    ) -> list[JobRow]:
        """Newest first (oldest first for the dispatcher's queue)."""
        order = jobs.c.created_at if oldest_first else jobs.c.created_at.desc()
        query = select(jobs).order_by(order, jobs.c.id).limit(limit)
        if kind is not None:
            query = query.where(jobs.c.kind == kind)
        if states:
            query = query.where(jobs.c.state.in_(states))
        with self._transaction() as conn:
            return [_job(row) for row in conn.execute(query).mappings()]

    def claim(self, job_id: str) -> bool:
        """Move a queued job to running; False when another process got it first."""
        now = _now()
        with self._transaction() as conn:
            done = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.state == "queued")
                .values(state="running", started_at=now, updated_at=now)
            )
            return done.rowcount == 1

    def set_pid(self, job_id: str, pid: int) -> None:
        with self._transaction() as conn:
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.state == "running")
                .values(pid=pid, updated_at=_now())
            )

    def report(self, job_id: str, change: JobUpdate) -> bool:
        """Record progress of a running job; False once it is no longer running."""
        values: dict[str, object] = {"updated_at": _now()}
        if change.stage is not None:
            values["stage"] = change.stage
        if change.progress is not None:
            values["progress"] = min(max(change.progress, 0.0), 1.0)
        if change.message is not None:
            values["message"] = change.message
        if change.metrics:
            values["metrics"] = dict(change.metrics)
        with self._transaction() as conn:
            done = conn.execute(
                update(jobs).where(jobs.c.id == job_id, jobs.c.state == "running").values(values)
            )
            return done.rowcount == 1

    def finish(
        self,
        job_id: str,
        state: JobState,
        *,
        error: str | None = None,
        result: str | None = None,
        metrics: Mapping[str, float] | None = None,
    ) -> bool:
        """End an active job; False when it had already ended (e.g. it was cancelled)."""
        if state not in FINAL_STATES:
            raise ValueError(f"{state!r} is not a final job state")
        now = _now()
        values: dict[str, object] = {
            "state": state,
            "error": error,
            "finished_at": now,
            "updated_at": now,
        }
        if result is not None:
            values["result"] = result
        if metrics is not None:
            values["metrics"] = dict(metrics)
        if state == "succeeded":
            values["progress"] = 1.0
        with self._transaction() as conn:
            done = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.state.in_(ACTIVE_STATES))
                .values(values)
            )
            return done.rowcount == 1

    def cancel(self, job_id: str) -> JobRow:
        """Mark an active job cancelled; :class:`ConflictError` when it already ended."""
        with self._transaction() as conn:
            before = self._get(conn, job_id)
            if not before.active:
                raise ConflictError(
                    f"job {job_id} already {before.state}; only queued or running jobs "
                    "can be cancelled",
                    hint="start a new job instead",
                )
            now = _now()
            conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.state.in_(ACTIVE_STATES))
                .values(state="cancelled", finished_at=now, updated_at=now)
            )
            return self._get(conn, job_id)

    def count_by_state(self) -> dict[JobState, int]:
        from sqlalchemy import func

        with self._transaction() as conn:
            rows = conn.execute(select(jobs.c.state, func.count()).group_by(jobs.c.state))
            counts: dict[JobState, int] = dict.fromkeys(JOB_STATES, 0)
            for state, count in rows:
                if state in counts:
                    counts[state] = int(count)
            return counts

    def uploads(self, dataset: str | None = None) -> list[UploadRow]:
        query = select(uploads).order_by(uploads.c.created_at, uploads.c.id)
        if dataset is not None:
            query = query.where(uploads.c.dataset == dataset)
        with self._transaction() as conn:
            return [_upload(row) for row in conn.execute(query).mappings()]

    def upload_of(self, job_id: str) -> UploadRow | None:
        with self._transaction() as conn:
            row = conn.execute(select(uploads).where(uploads.c.job_id == job_id)).mappings().first()
            return None if row is None else _upload(row)
