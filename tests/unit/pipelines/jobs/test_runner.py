"""Jobs run in real worker processes; a dead worker leaves its job failed, never running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from colloquy.pipelines.jobs import IngestOutcome, IngestSpec, JobRunner, TrainingSpec, WorkerConfig
from colloquy.pipelines.jobs.events import read_events
from colloquy.pipelines.jobs.runner import GONE, worker_alive
from colloquy.storage import Store
from colloquy.storage.jobs import JobRepository, JobRow

CSV = "conversation_id,speaker,text\nc1,customer,my card is lost\nc1,agent,I blocked it\n"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'jobs.db'}") as opened:
        yield opened


@pytest.fixture
def runner(store: Store, tmp_path: Path) -> Iterator[JobRunner]:
    config = WorkerConfig(
        store_url=store.engine.url.render_as_string(hide_password=False),
        root=tmp_path / "jobs",
        allowed=(tmp_path,),
    )
    started = JobRunner(JobRepository(store.engine), config, poll_seconds=0.05)
    yield started
    started.stop()


def wait_for(check: Callable[[], JobRow | None], timeout: float = 120) -> JobRow:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found is not None:
            return found
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {timeout} s")


def with_pid(runner: JobRunner, job_id: str) -> JobRow:
    def check() -> JobRow | None:
        row = runner.repository.get(job_id)
        return row if row.pid is not None else None

    return wait_for(check)


def final(runner: JobRunner, job_id: str) -> JobRow:
    def check() -> JobRow | None:
        row = runner.repository.get(job_id)
        return None if row.active else row

    return wait_for(check)


def test_an_ingest_job_runs_in_a_worker_and_stores_its_rows(
    runner: JobRunner, store: Store, tmp_path: Path
) -> None:
    upload = tmp_path / "chats.csv"
    upload.write_text(CSV)
    spec = IngestSpec.model_validate(
        {
            "dataset": "chats",
            "source": "csv",
            "path": str(upload),
            "mapping": {"conversation_id": "conversation_id", "speaker": "speaker"},
        }
    )
    job = runner.submit("ingest", spec)
    runner.start()
    row = final(runner, job.id)
    log = runner.files.read_log(job.id, tail_bytes=100_000)
    assert row.state == "succeeded", (row.error, log)
    assert row.pid is not None
    assert row.pid != os.getpid()
    outcome = runner.get(job.id).result
    assert isinstance(outcome, IngestOutcome)
    assert (outcome.inserted, outcome.turns_written) == (1, 2)
    assert store.dataset("chats").turns == 2
    states = [event.state for _, event in read_events(runner.files.events(job.id))]
    assert states[0] == "queued"
    assert states[-1] == "succeeded"
    assert "job.finished" in log


def blocking_pipeline(folder: Path) -> Path:
    """A named pipe as the pipeline file: the worker blocks reading it until stopped."""
    path = folder / "blocking.yaml"
    os.mkfifo(path)
    return path


def test_a_job_whose_worker_is_killed_ends_failed(runner: JobRunner, tmp_path: Path) -> None:
    pipeline = blocking_pipeline(tmp_path)
    job = runner.submit("training", TrainingSpec(pipeline_file=str(pipeline)))
    runner.start()
    running = with_pid(runner, job.id)
    os.kill(running.pid or 0, signal.SIGKILL)
    row = final(runner, job.id)
    assert row.state == "failed"
    assert row.error == "worker exited with status -9 before ending the job"


def test_recovery_fails_running_jobs_whose_worker_is_gone(runner: JobRunner) -> None:
    jobs = runner.repository
    without_pid, dead_pid = uuid.uuid4().hex, uuid.uuid4().hex
    for job_id in (without_pid, dead_pid):
        jobs.create(job_id=job_id, kind="training", spec=_spec())
        jobs.claim(job_id)
    finished = subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert finished.returncode == 0
    jobs.set_pid(dead_pid, 2**22 + 12345)
    assert sorted(runner.recover()) == sorted([without_pid, dead_pid])
    for job_id in (without_pid, dead_pid):
        row = jobs.get(job_id)
        assert (row.state, row.error) == ("failed", GONE)


def test_a_live_worker_found_on_start_is_watched_until_it_exits(runner: JobRunner) -> None:
    jobs = runner.repository
    job_id = uuid.uuid4().hex
    jobs.create(job_id=job_id, kind="training", spec=_spec())
    jobs.claim(job_id)
    stand_in = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", job_id], start_new_session=True
    )
    try:
        jobs.set_pid(job_id, stand_in.pid)
        started = jobs.get(job_id)
        wait_for(lambda: started if worker_alive(stand_in.pid, job_id) else None, timeout=30)
        assert not worker_alive(stand_in.pid, uuid.uuid4().hex), "a reused pid is not ours"
        runner.start()
        time.sleep(0.3)
        assert jobs.get(job_id).state == "running"
    finally:
        stand_in.kill()
        stand_in.wait()
    row = final(runner, job_id)
    assert (row.state, row.error) == ("failed", GONE)


def test_cancel_stops_a_running_worker(runner: JobRunner, tmp_path: Path) -> None:
    pipeline = blocking_pipeline(tmp_path)
    job = runner.submit("training", TrainingSpec(pipeline_file=str(pipeline)))
    runner.start()
    running = with_pid(runner, job.id)
    cancelled = runner.cancel(job.id)
    assert cancelled.state == "cancelled"
    assert running.pid is not None
    wait_for(lambda: None if worker_alive(running.pid, job.id) else running, timeout=30)
    time.sleep(0.3)
    assert runner.repository.get(job.id).state == "cancelled"
    states = [event.state for _, event in read_events(runner.files.events(job.id))]
    assert "cancelled" in states


def _spec() -> str:
    from colloquy.pipelines.jobs.records import dump_spec

    return dump_spec(TrainingSpec(pipeline_file="/nowhere.yaml"))


def test_the_periodic_sweep_spares_a_job_claimed_a_moment_ago(runner: JobRunner) -> None:
    jobs = runner.repository
    job_id = uuid.uuid4().hex
    jobs.create(job_id=job_id, kind="training", spec=_spec())
    jobs.claim(job_id)
    assert runner.recover(grace_seconds=30) == []
    assert jobs.get(job_id).state == "running"
    assert runner.recover() == [job_id]
