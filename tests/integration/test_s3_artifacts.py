"""MLflow artifacts on an S3-compatible store, as compose.yaml deploys them: an MLflow
server with ``--artifacts-destination s3://…`` in front of a real S3 API (moto in server
mode, standing in for MinIO), and colloquy's tracker talking to it over HTTP only."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BUCKET = "mlflow"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    for name, value in {**CREDENTIALS, "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def mlflow_server(s3_endpoint: str, tmp_path: Path) -> Iterator[str]:
    import boto3  # type: ignore[import-untyped]
    import httpx

    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=BUCKET)
    port = free_port()
    env = {**os.environ, **CREDENTIALS, "MLFLOW_S3_ENDPOINT_URL": s3_endpoint}
    log = (tmp_path / "mlflow.log").open("wb")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "mlflow"),
            "server",
            "--host=127.0.0.1",
            f"--port={port}",
            f"--backend-store-uri=sqlite:///{tmp_path / 'mlflow.db'}",
            f"--artifacts-destination=s3://{BUCKET}/artifacts",
            "--serve-artifacts",
            "--workers=1",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "mlflow.log").read_text()[-2000:]
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        else:
            pytest.fail("the MLflow server did not answer /health within 180 s")
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def test_a_tracked_runs_artifacts_land_in_the_bucket(
    mlflow_server: str, s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    from colloquy.config import Settings
    from colloquy.tracking.factory import tracker_from_settings

    # The client holds no S3 credentials: the server proxies the artifacts to the store.
    for name in CREDENTIALS:
        monkeypatch.delenv(name)
    monkeypatch.setenv("COLLOQUY_MLFLOW__TRACKING_URI", mlflow_server)
    report = tmp_path / "report.txt"
    report.write_text("accuracy 0.93\n", encoding="utf-8")
    tracker = tracker_from_settings(Settings())
    with tracker.start_run("s3-artifacts") as run:
        run.log_metrics({"accuracy": 0.93})
        run.log_artifact(report, artifact_path="reports")
        run_id = run.run_id

    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        **{"aws_access_key_id": "testing", "aws_secret_access_key": "testing"},
    )
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    stored = [key for key in keys if key.endswith(f"{run_id}/artifacts/reports/report.txt")]
    assert len(stored) == 1, keys
    body = s3.get_object(Bucket=BUCKET, Key=stored[0])["Body"].read()
    assert body == b"accuracy 0.93\n"
