"""Training jobs over HTTP against real uvicorn servers and real worker processes:
progress as server-sent events, logs, cancel, refusals, and a server killed mid-job."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from tests.integration.api.conftest import KeyFactory, ServerFactory, SettingsFactory
from tests.integration.api.live import LiveServer, ServerProcess

INTENTS = ["card_arrival", "lost_or_stolen_card", "exchange_rate", "pin_blocked"]

PIPELINE = """\
name: api-intents
task: intent
seed: 0
data: {path: train.csv, label_column: category}
stages:
  ingest: {}
  split: {params: {validation_fraction: 0.2}}
  train: {params: {method: tfidf}}
  evaluate: {}
tracking: {enabled: false}
"""


@pytest.fixture(scope="module")
def train_csv(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    path = tmp_path_factory.mktemp("train") / "train.csv"
    rows[rows["category"].isin(INTENTS)].groupby("category").head(25).to_csv(path, index=False)
    return path


def with_data(server: LiveServer, train_csv: Path) -> Path:
    data_dir = server.settings.resolved_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(train_csv, data_dir / "train.csv")
    return data_dir


def job_until(client: httpx.Client, job_id: str, done: Any, timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/v1/training-jobs/{job_id}").json()
        if done(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never reached the state wanted in {timeout} s")


def sse(
    client: httpx.Client, path: str, headers: dict[str, str] | None = None
) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (id, event, data) of a stream until its ``end`` event."""
    events: list[tuple[str, str, dict[str, Any]]] = []
    with client.stream("GET", path, headers=headers or {}, timeout=300) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        fields: dict[str, str] = {}
        for line in answer.iter_lines():
            if line.startswith(":"):
                continue
            if line == "":
                if fields:
                    events.append(
                        (fields.get("id", ""), fields["event"], json.loads(fields["data"]))
                    )
                    if fields["event"] == "end":
                        return events
                fields = {}
                continue
            name, _, value = line.partition(": ")
            fields[name] = value
    return events


@pytest.mark.slow
def test_a_pipeline_runs_in_a_worker_with_live_events(
    api_server: LiveServer, api_client: httpx.Client, train_csv: Path
) -> None:
    with_data(api_server, train_csv)
    answer = api_client.post("/v1/training-jobs", json={"pipeline_yaml": PIPELINE})
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert answer.headers["Location"] == f"/v1/training-jobs/{job['id']}"
    assert job["state"] in ("queued", "running")
    assert job["pipeline"] == f"pipeline-{job['id']}.yaml"

    events = sse(api_client, f"/v1/training-jobs/{job['id']}/events")
    kinds = [kind for _, kind, _ in events]
    assert kinds[-1] == "end"
    end = events[-1][2]
    assert end["state"] == "succeeded", end["error"]
    progress = [data for _, kind, data in events if kind == "progress"]
    assert progress[0]["state"] == "queued"
    assert {"ingest", "split", "train", "evaluate"} <= {
        data.get("message") for data in progress if data.get("stage") == "pipeline"
    }
    fractions = [d["progress"] for d in progress if d.get("progress") is not None]
    assert fractions == sorted(fractions)
    numbers = [int(number) for number, kind, _ in events if kind == "progress"]
    assert numbers == list(range(1, len(numbers) + 1))

    resumed = sse(
        api_client,
        f"/v1/training-jobs/{job['id']}/events",
        headers={"Last-Event-ID": str(numbers[-2])},
    )
    assert [int(n) for n, kind, _ in resumed if kind == "progress"] == [numbers[-1]]

    final = api_client.get(f"/v1/training-jobs/{job['id']}").json()
    assert final["progress"] == 1.0
    assert 0.5 < final["metrics"]["evaluate.test_accuracy"] <= 1.0
    assert final["result"]["run_id"]
    assert final["result"]["status"] == "succeeded"
    logs = api_client.get(f"/v1/training-jobs/{job['id']}/logs")
    assert "job.finished" in logs.text
    assert logs.headers["content-type"].startswith("text/plain")
    tail = api_client.get(f"/v1/training-jobs/{job['id']}/logs", params={"tail_bytes": 10})
    assert len(tail.content) <= 10
    listed = api_client.get("/v1/training-jobs").json()["jobs"]
    assert [j["id"] for j in listed] == [job["id"]]
    time.sleep(1.5)
    assert 'jobs{state="succeeded"} 1.0' in api_client.get("/metrics").text
    late = api_client.post(f"/v1/training-jobs/{job['id']}/cancel")
    assert late.status_code == 409
    assert "already succeeded" in late.json()["detail"]


def test_cancel_stops_a_running_job(
    api_server: LiveServer, api_client: httpx.Client, train_csv: Path
) -> None:
    with_data(api_server, train_csv)
    job = api_client.post("/v1/training-jobs", json={"pipeline_yaml": PIPELINE}).json()
    running = job_until(api_client, job["id"], lambda j: j["state"] == "running")
    cancelled = api_client.post(f"/v1/training-jobs/{job['id']}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    events = sse(api_client, f"/v1/training-jobs/{job['id']}/events")
    assert events[-1][2]["state"] == "cancelled"
    time.sleep(1)
    assert api_client.get(f"/v1/training-jobs/{running['id']}").json()["state"] == "cancelled"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"pipeline_yaml": PIPELINE.replace("api-intents", "${HOME}")}, "substitution"),
        ({"pipeline_yaml": PIPELINE.replace("train.csv", "/etc/passwd")}, "outside the folders"),
        ({"pipeline_file": "../../outside.yaml"}, "not a file in the API's data directory"),
        ({"pipeline_yaml": PIPELINE, "pipeline_file": "x.yaml"}, "either"),
        ({"pipeline_yaml": "name: [unclosed"}, ""),
    ],
)
def test_bad_pipelines_are_refused_before_a_job_exists(
    api_server: LiveServer,
    api_client: httpx.Client,
    train_csv: Path,
    body: dict[str, str],
    detail: str,
) -> None:
    data_dir = with_data(api_server, train_csv)
    answer = api_client.post("/v1/training-jobs", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert detail in answer.json()["detail"]
    assert api_client.get("/v1/training-jobs").json()["jobs"] == []
    assert not list(data_dir.glob("pipeline-*.yaml")), "a refused inline pipeline is removed"


def test_unknown_and_malformed_job_ids(api_client: httpx.Client) -> None:
    ingest = api_client.post(
        "/v1/datasets",
        data={"dataset": "d", "source": "jsonl"},
        files={"file": ("d.jsonl", b'{"text": "hi"}\n')},
    ).json()
    assert api_client.get(f"/v1/training-jobs/{ingest['id']}").status_code == 404
    assert api_client.post(f"/v1/training-jobs/{ingest['id']}/cancel").status_code == 404
    assert api_client.get(f"/v1/ingest-jobs/{ingest['id']}").status_code == 200
    assert api_client.get("/v1/training-jobs/" + "0" * 32).status_code == 404
    assert api_client.get("/v1/training-jobs/../../etc").status_code == 404
    assert api_client.get("/v1/training-jobs/not-an-id").status_code == 422
    assert api_client.post("/v1/training-jobs/" + "0" * 32 + "/cancel").status_code == 404


def test_training_needs_the_train_scope(
    api_settings: SettingsFactory, live_server: ServerFactory, make_key: KeyFactory
) -> None:
    settings = api_settings()
    reader = make_key(settings, "read", name="r")
    predictor = make_key(settings, "predict", name="p")
    server = live_server(settings)
    for key in (reader, predictor):
        with server.client(key) as client:
            assert (
                client.post("/v1/training-jobs", json={"pipeline_yaml": PIPELINE}).status_code
                == 403
            )
            assert client.get("/v1/training-jobs").status_code == 200


@pytest.mark.slow
def test_jobs_survive_a_killed_server_and_a_lost_worker_is_reported(
    tmp_path: Path, train_csv: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(train_csv, data_dir / "train.csv")
    env = {
        "COLLOQUY_API_STORE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "COLLOQUY_API_DATA_DIR": str(data_dir),
        "HF_HUB_OFFLINE": "1",
    }
    first = ServerProcess(args=[], env=env, log_path=tmp_path / "first.log").start()
    try:
        with httpx.Client(base_url=first.base_url, timeout=30) as client:
            kept = client.post("/v1/training-jobs", json={"pipeline_yaml": PIPELINE}).json()
            lost = client.post("/v1/training-jobs", json={"pipeline_yaml": PIPELINE}).json()
            for job in (kept, lost):
                job_until(client, job["id"], lambda j: j["state"] == "running")
            lost_pid = _pid_of(tmp_path / "store.db", lost["id"])
    finally:
        first.kill()
    os.killpg(lost_pid, signal.SIGKILL)
    second = ServerProcess(args=[], env=env, log_path=tmp_path / "second.log").start()
    try:
        with httpx.Client(base_url=second.base_url, timeout=30) as client:
            failed = client.get(f"/v1/training-jobs/{lost['id']}").json()
            assert failed["state"] == "failed"
            assert failed["error"].startswith("worker exited")
            survived = job_until(client, kept["id"], lambda j: j["state"] != "running")
            assert survived["state"] == "succeeded", survived["error"]
            assert survived["metrics"]["evaluate.test_accuracy"] > 0.5
    finally:
        second.stop()


def _pid_of(database: Path, job_id: str) -> int:
    import sqlite3

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with sqlite3.connect(database) as conn:
            row = conn.execute("SELECT pid FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row and row[0]:
            return int(row[0])
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never recorded its worker's pid")
