"""A real Ray head and a real Dask scheduler with workers, started as separate processes on
127.0.0.1; the same batch prediction runs on each and matches the local run row for row."""

from __future__ import annotations

import itertools
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from colloquy.analytics.analysis import analyze_dataset
from colloquy.data.loaders import get_loader
from colloquy.execution import ExecutionSettings, open_backend
from colloquy.execution.dask_backend import DaskBackend
from colloquy.pipelines.batch import predict_batch
from colloquy.pipelines.intent import IntentTrainingConfig, train_intent

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
INTENTS = ["card_arrival", "exchange_rate", "pin_blocked", "lost_or_stolen_card"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {seconds}s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a process group this test started (the head or scheduler and its children)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


@pytest.fixture(scope="module")
def model_and_input(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clusters")
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    train = train[train["category"].isin(INTENTS)].groupby("category").head(40)
    train.to_csv(folder / "train.csv", index=False)
    train_intent(
        folder / "train.csv",
        text_column="text",
        label_column="category",
        output=folder / "model",
        config=IntentTrainingConfig(method="tfidf"),
    )
    test = pd.read_csv(datasets_dir / "banking77" / "test.csv").head(1200)
    test[["text"]].to_csv(folder / "input.csv", index=False)
    predict_batch(folder / "model", folder / "input.csv", folder / "local.parquet", chunk_rows=250)
    return folder


@pytest.fixture
def ray_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    # Ray's token authentication: the head and this driver share a token made here.
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    monkeypatch.setenv("RAY_AUTH_TOKEN", secrets.token_hex(16))
    monkeypatch.delenv("RAY_AUTH_TOKEN_PATH", raising=False)
    port = free_port()
    head = start(
        [
            str(BIN / "ray"),
            "start",
            "--head",
            "--block",
            "--node-ip-address=127.0.0.1",
            f"--port={port}",
            "--num-cpus=3",
            "--include-dashboard=false",
            "--disable-usage-stats",
        ],
        tmp_path / "ray-head.log",
    )
    try:
        wait_for_port(port, head)
        yield f"127.0.0.1:{port}"
    finally:
        stop(head)


@pytest.fixture
def dask_cluster(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = start(
        [
            str(BIN / "dask"),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dashboard-address",
            ":0",
        ],
        tmp_path / "scheduler.log",
    )
    workers: subprocess.Popen[bytes] | None = None
    try:
        wait_for_port(port, scheduler)
        workers = start(
            [
                str(BIN / "dask"),
                "worker",
                address,
                "--nworkers",
                "2",
                "--nthreads",
                "1",
                "--no-dashboard",
            ],
            tmp_path / "workers.log",
        )
        yield address
    finally:
        if workers is not None:
            stop(workers)
        stop(scheduler)


def run_on(settings: ExecutionSettings, folder: Path, name: str) -> None:
    output = folder / f"{name}.parquet"
    with open_backend(settings) as backend:
        result = predict_batch(
            folder / "model", folder / "input.csv", output, chunk_rows=250, execution=backend
        )
        assert backend.map(len, ["a", "bb", "ccc"]) == [1, 2, 3]
    assert result.rows == 1200
    assert result.chunks == 5
    assert pq.read_table(output).equals(pq.read_table(folder / "local.parquet"))
    assert not (folder / f"{name}.parquet.inputs").exists()


def test_batch_prediction_on_a_ray_head_in_another_process(
    ray_head: str, model_and_input: Path
) -> None:
    run_on(ExecutionSettings(backend="ray", address=ray_head, workers=2), model_and_input, "ray")


def test_batch_prediction_on_a_dask_scheduler_with_two_worker_processes(
    dask_cluster: str, model_and_input: Path
) -> None:
    settings = ExecutionSettings(backend="dask", address=dask_cluster, workers=2)
    run_on(settings, model_and_input, "dask")


def test_dataset_analysis_and_partitioned_files_on_a_dask_cluster(
    dask_cluster: str, model_and_input: Path, datasets_dir: Path
) -> None:
    dialogues = list(
        itertools.islice(get_loader("sgd").load(datasets_dir / "sgd/dev/dialogues_001.json"), 60)
    )
    local = analyze_dataset(dialogues, dataset="sgd", batch_size=16)
    settings = ExecutionSettings(backend="dask", address=dask_cluster, workers=2)
    with open_backend(settings) as backend:
        assert isinstance(backend, DaskBackend)
        spread = analyze_dataset(dialogues, dataset="sgd", batch_size=16, execution=backend)
        frame = backend.read_parquet([model_and_input / "local.parquet"], columns=["intent"])
        counts = backend.compute(frame.groupby("intent").size())
    assert spread == local
    expected = pq.read_table(model_and_input / "local.parquet").to_pandas()["intent"]
    assert counts.sort_index().to_dict() == expected.value_counts().sort_index().to_dict()
