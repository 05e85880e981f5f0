"""``colloquy pipeline`` through the real executable: run, show, list, resume, validate,
tune, init, and bad input as one located line with a non-zero exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from .test_cli import assert_one_line_error, run

INTENTS = ["card_arrival", "lost_or_stolen_card", "exchange_rate", "pin_blocked"]

PIPELINE = """\
name: cli-intent
task: intent
seed: 5
data:
  path: {data}/train.csv
  test_path: {data}/test.csv
  label_column: category
stages:
  ingest: {{}}
  split: {{params: {{validation_fraction: 0.2}}}}
  train: {{params: {{method: tfidf}}}}
{tune}  evaluate: {{}}
tracking: {{enabled: false}}
"""

TUNE = """\
  tune:
    params:
      n_trials: 3
      base: {method: tfidf}
      space: {C: {type: float, low: 0.1, high: 10.0, log: true}}
"""


@pytest.fixture(scope="module")
def data(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-pipeline")
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    test = pd.read_csv(datasets_dir / "banking77" / "test.csv")
    train[train["category"].isin(INTENTS)].groupby("category").head(30).to_csv(
        folder / "train.csv", index=False
    )
    test[test["category"].isin(INTENTS)].groupby("category").head(10).to_csv(
        folder / "test.csv", index=False
    )
    return folder


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    return {"COLLOQUY_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}


def pipeline_file(folder: Path, data: Path, *, tune: str = "") -> Path:
    path = folder / "pipeline.yaml"
    path.write_text(PIPELINE.format(data=data, tune=tune), encoding="utf-8")
    return path


def test_run_show_list_and_a_cached_rerun(data: Path, tmp_path: Path, home: dict[str, str]) -> None:
    file = pipeline_file(tmp_path, data)
    first = run("pipeline", "run", str(file), "--format", "json", env=home)
    assert first.returncode == 0, first.stderr
    record = json.loads(first.stdout)
    assert record["status"] == "succeeded"
    assert [s["status"] for s in record["stages"]] == ["done"] * 4
    assert f'"correlation_id": "{record["run_id"]}"' in first.stderr
    second = run("pipeline", "run", str(file), env=home)
    assert second.returncode == 0, second.stderr
    assert "train: cached (key " in second.stderr
    assert "evaluate: cached (key " in second.stderr
    shown = run("pipeline", "show", record["run_id"], "--format", "json", env=home)
    assert json.loads(shown.stdout) == record
    table = run("pipeline", "show", record["run_id"], env=home)
    assert "test_accuracy=" in table.stdout
    assert "report" in table.stdout  # the evaluation report folder, an artifact
    listed = run("pipeline", "list", "--format", "json", env=home)
    assert [r["run_id"] for r in json.loads(listed.stdout)][1] == record["run_id"]


def test_bad_input_is_one_located_line_before_any_work(
    data: Path, tmp_path: Path, home: dict[str, str]
) -> None:
    file = pipeline_file(tmp_path, data)
    file.write_text(file.read_text().replace("  train:", "  trian:"))
    result = run("pipeline", "run", str(file), env=home)
    assert_one_line_error(result, 2, f"{file}:11", "stages.trian", "the stages are ingest")
    assert not (Path(home["COLLOQUY_HOME"]) / "pipelines" / "runs").exists()
    validated = run("pipeline", "validate", str(file), "--format", "json", env=home)
    assert validated.returncode == 2
    assert "stages.trian" in validated.stderr


def test_resume_refuses_an_unknown_run(home: dict[str, str]) -> None:
    result = run("pipeline", "resume", "0123456789abcdef", env=home)
    assert_one_line_error(result, 4, "0123456789abcdef", "colloquy pipeline list")


def test_validate(data: Path, tmp_path: Path, home: dict[str, str]) -> None:
    file = pipeline_file(tmp_path, data)
    result = run("pipeline", "validate", str(file), "--format", "json", env=home)
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["valid"] is True
    assert plan["stages"][3] == {
        "stage": "evaluate",
        "component": "intent",
        "inputs": {"model": "train", "splits": "split"},
    }


def test_tune_stops_after_the_study(data: Path, tmp_path: Path, home: dict[str, str]) -> None:
    file = pipeline_file(tmp_path, data, tune=TUNE)
    result = run("pipeline", "tune", str(file), "--study", "shared", "--format", "json", env=home)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    statuses = {s["stage"]: s["status"] for s in record["stages"]}
    assert statuses == {
        "ingest": "done",
        "split": "done",
        "train": "done",
        "tune": "done",
        "evaluate": "pending",
    }
    tune = next(s for s in record["stages"] if s["stage"] == "tune")
    assert tune["info"]["study"] == "shared"
    assert tune["metrics"]["trials_complete"] + tune["metrics"]["trials_pruned"] == 3


def test_init_writes_a_valid_commented_file(
    data: Path, tmp_path: Path, home: dict[str, str]
) -> None:
    target = tmp_path / "new.yaml"
    written = run(
        "pipeline", "init", "--no-interactive", "--task", "intent", "--name", "tickets",
        "--data", str(data / "train.csv"), "--label-column", "category",
        "--output", str(target), env=home,
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    assert "# " in target.read_text()
    validated = run("pipeline", "validate", str(target), env=home)
    assert validated.returncode == 0, validated.stderr
    again = run("pipeline", "init", "--no-interactive", "--output", str(target), env=home)
    assert_one_line_error(again, 2, "exists")


def test_init_asks_with_defaults_shown(data: Path, tmp_path: Path, home: dict[str, str]) -> None:
    pd.DataFrame(
        {"tenure": [1, 20, 3, 40] * 5, "plan": ["a", "b"] * 10, "left": ["y", "n"] * 10}
    ).to_csv(tmp_path / "churn.csv", index=False)
    answers = "classification\nchurn\nchurn.csv\nleft\ntenure:numeric,plan:categorical\n\n"
    result = subprocess.run(
        [sys.executable, "-m", "colloquy", "pipeline", "init", "--output", "churn.yaml"],
        input=answers,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, **home},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Headline metric [accuracy]" in result.stdout
    validated = run("pipeline", "validate", str(tmp_path / "churn.yaml"), env=home)
    assert validated.returncode == 0, validated.stderr


def test_tune_refuses_a_file_without_a_tune_stage(
    data: Path, tmp_path: Path, home: dict[str, str]
) -> None:
    result = run("pipeline", "tune", str(pipeline_file(tmp_path, data)), env=home)
    assert_one_line_error(result, 2, "has no tune stage")
