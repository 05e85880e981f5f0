"""A pipeline killed with SIGKILL mid-training or mid-tuning resumes with ``colloquy
pipeline resume RUN_ID`` and ends with exactly the metrics of an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

INTENTS = ["card_arrival", "lost_or_stolen_card", "exchange_rate", "pin_blocked", "top_up_failed"]

TRAINING = """\
name: resume-train
task: intent
seed: 4
data: {{path: {data}/train.csv, test_path: {data}/test.csv, label_column: category}}
stages:
  ingest: {{}}
  split: {{params: {{validation_fraction: 0.2}}}}
  featurize: {{}}
  train: {{params: {{method: frozen, head: mlp}}}}
  evaluate: {{}}
tracking: {{enabled: false}}
"""

TUNING = """\
name: resume-tune
task: intent
seed: 4
data: {{path: {data}/train.csv, test_path: {data}/test.csv, label_column: category}}
stages:
  ingest: {{}}
  split: {{params: {{validation_fraction: 0.2}}}}
  tune:
    params:
      n_trials: 10
      n_startup_trials: 3
      base: {{method: tfidf}}
      space:
        C: {{type: float, low: 0.01, high: 100.0, log: true}}
        label_examples: {{type: categorical, choices: [true, false]}}
  evaluate: {{}}
tracking: {{enabled: false}}
"""


@pytest.fixture(scope="module")
def data(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("resume-data")
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    test = pd.read_csv(datasets_dir / "banking77" / "test.csv")
    train[train["category"].isin(INTENTS)].groupby("category").head(60).to_csv(
        folder / "train.csv", index=False
    )
    test[test["category"].isin(INTENTS)].groupby("category").head(20).to_csv(
        folder / "test.csv", index=False
    )
    return folder


def colloquy(*args: str) -> list[str]:
    return [sys.executable, "-m", "colloquy", *args]


def environment(home: Path) -> dict[str, str]:
    return {**os.environ, "COLLOQUY_HOME": str(home), "HF_HUB_OFFLINE": "1"}


def finish(home: Path, *args: str) -> dict[str, object]:
    done = subprocess.run(
        colloquy(*args, "--format", "json"),
        env=environment(home),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def run_record(home: Path) -> dict[str, object] | None:
    runs = list((home / "pipelines" / "runs").glob("*/run.json"))
    if not runs:
        return None
    try:
        record: dict[str, object] = json.loads(runs[0].read_text())
    except json.JSONDecodeError:  # pragma: no cover - the file is replaced atomically
        return None
    return record


def stage_status(record: dict[str, object] | None, stage: str) -> str | None:
    if record is None:
        return None
    stages = record["stages"]
    assert isinstance(stages, list)
    return next(str(s["status"]) for s in stages if s["stage"] == stage)


def kill_when(home: Path, file: Path, ready: Callable[[], bool]) -> str:
    """Start ``pipeline run file``, SIGKILL it once ``ready()``; the run id."""
    process = subprocess.Popen(
        colloquy("pipeline", "run", str(file)),
        env=environment(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while not ready():
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run never reached the kill point"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    record = run_record(home)
    assert record is not None
    return str(record["run_id"])


def metrics(result: dict[str, object]) -> dict[str, object]:
    stages = result["stages"]
    assert isinstance(stages, list)
    return {s["stage"]: (s["metrics"], s["info"].get("best_params")) for s in stages}


@pytest.mark.slow
def test_sigkill_mid_training_then_resume(data: Path, tmp_path: Path) -> None:
    file = tmp_path / "train.yaml"
    file.write_text(TRAINING.format(data=data))
    killed_home = tmp_path / "killed"
    scratch = killed_home / "pipelines" / "cache" / ".tmp"

    def training() -> bool:
        record = run_record(killed_home)
        if stage_status(record, "featurize") != "done":
            return False
        return scratch.is_dir() and any(scratch.iterdir())

    run_id = kill_when(killed_home, file, training)
    assert stage_status(run_record(killed_home), "train") == "pending"
    resumed = finish(killed_home, "pipeline", "resume", run_id)
    assert resumed["run_id"] == run_id
    assert resumed["status"] == "succeeded"
    assert not any(scratch.iterdir())  # the killed process's half-written output is gone
    uninterrupted = finish(tmp_path / "clean", "pipeline", "run", str(file))
    assert metrics(resumed) == metrics(uninterrupted)


@pytest.mark.slow
def test_sigkill_mid_tuning_then_resume(data: Path, tmp_path: Path) -> None:
    file = tmp_path / "tune.yaml"
    file.write_text(TUNING.format(data=data))
    killed_home = tmp_path / "killed"
    studies = killed_home / "colloquy.optuna.db"

    def tuning() -> bool:
        if not studies.exists():
            return False
        try:
            with sqlite3.connect(studies) as db:
                (complete,) = db.execute(
                    "SELECT count(*) FROM trials WHERE state = 'COMPLETE'"
                ).fetchone()
        except sqlite3.Error:
            return False
        return int(complete) >= 3

    run_id = kill_when(killed_home, file, tuning)
    assert stage_status(run_record(killed_home), "tune") == "pending"
    resumed = finish(killed_home, "pipeline", "resume", run_id)
    assert resumed["status"] == "succeeded"
    uninterrupted = finish(tmp_path / "clean", "pipeline", "run", str(file))
    assert metrics(resumed) == metrics(uninterrupted)
