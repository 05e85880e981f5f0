"""The jobs table on SQLite and PostgreSQL: state only moves forward, one writer wins."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from colloquy.errors import ConflictError, NotFoundError
from colloquy.storage import Store
from colloquy.storage.jobs import JobRepository, JobUpdate, UploadRow


def _id() -> str:
    return uuid.uuid4().hex


def test_a_job_goes_from_queued_to_succeeded(store: Store) -> None:
    jobs = JobRepository(store.engine)
    job_id = _id()
    created = jobs.create(job_id=job_id, kind="training", spec='{"x": 1}')
    assert (created.state, created.progress, created.started_at) == ("queued", None, None)
    assert created.created_at.tzinfo is not None
    assert jobs.claim(job_id)
    assert not jobs.claim(job_id), "a job is claimed once"
    jobs.set_pid(job_id, 4242)
    assert jobs.report(job_id, JobUpdate(stage="train", progress=1.7, message="3/5"))
    assert jobs.report(job_id, JobUpdate(metrics={"evaluate.accuracy": 0.9}))
    running = jobs.get(job_id)
    assert (running.state, running.stage, running.progress, running.pid) == (
        "running",
        "train",
        1.0,
        4242,
    )
    assert dict(running.metrics) == {"evaluate.accuracy": 0.9}
    assert jobs.finish(job_id, "succeeded", result='{"done": true}')
    done = jobs.get(job_id)
    assert (done.state, done.result, done.progress) == ("succeeded", '{"done": true}', 1.0)
    assert done.finished_at is not None
    assert done.started_at is not None
    assert done.finished_at >= done.started_at
    assert not jobs.report(job_id, JobUpdate(stage="late")), "no progress after the end"
    assert not jobs.finish(job_id, "failed", error="late"), "a final state is final"
    assert jobs.get(job_id).state == "succeeded"


def test_a_cancelled_job_stays_cancelled_when_its_worker_finishes(store: Store) -> None:
    jobs = JobRepository(store.engine)
    job_id = _id()
    jobs.create(job_id=job_id, kind="training", spec="{}")
    jobs.claim(job_id)
    assert jobs.cancel(job_id).state == "cancelled"
    assert not jobs.finish(job_id, "succeeded")
    assert jobs.get(job_id).state == "cancelled"
    with pytest.raises(ConflictError, match="already cancelled"):
        jobs.cancel(job_id)


def test_a_cancelled_queued_job_cannot_be_claimed(store: Store) -> None:
    jobs = JobRepository(store.engine)
    job_id = _id()
    jobs.create(job_id=job_id, kind="ingest", spec="{}")
    jobs.cancel(job_id)
    assert not jobs.claim(job_id)


def test_unknown_jobs_are_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no job"):
        JobRepository(store.engine).get(_id())


def test_listing_filters_by_kind_and_state(store: Store) -> None:
    jobs = JobRepository(store.engine)
    first, second, third = _id(), _id(), _id()
    jobs.create(job_id=first, kind="training", spec="{}")
    jobs.create(job_id=second, kind="training", spec="{}")
    jobs.create(job_id=third, kind="ingest", spec="{}")
    jobs.claim(second)
    queued = [j.id for j in jobs.list_jobs(kind="training", states=("queued",), limit=10_000)]
    assert first in queued
    assert second not in queued
    assert third not in queued
    oldest = [j.id for j in jobs.list_jobs(states=("queued",), limit=10_000, oldest_first=True)]
    assert oldest.index(first) < oldest.index(third)
    counts = jobs.count_by_state()
    assert counts["running"] >= 1
    assert counts["queued"] >= 2
    assert set(counts) == {"queued", "running", "succeeded", "failed", "cancelled"}


def test_an_upload_is_recorded_with_its_job(store: Store) -> None:
    jobs = JobRepository(store.engine)
    job_id = _id()
    dataset = f"uploads-{job_id[:8]}"
    upload = UploadRow(
        id=_id(),
        job_id=None,
        dataset=dataset,
        source="csv",
        filename="chats.csv",
        path="/data/uploads/x/chats.csv",
        bytes=123,
        sha256="0" * 64,
        created_at=datetime.now(UTC),
    )
    jobs.create(job_id=job_id, kind="ingest", spec="{}", upload=upload)
    stored = jobs.uploads(dataset)
    assert [(u.job_id, u.filename, u.bytes) for u in stored] == [(job_id, "chats.csv", 123)]
    assert jobs.upload_of(job_id) == stored[0]
    assert jobs.upload_of(_id()) is None
