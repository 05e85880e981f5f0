"""MlflowTracker writes to a real MLflow SQLite store; everything is read back from it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import mlflow
import pytest
from matplotlib import pyplot as plt
from mlflow import MlflowClient

from colloquy.config import load_settings
from colloquy.errors import ArtifactError, ConfigError, NotFoundError, UsageError
from colloquy.tracking import (
    MlflowTracker,
    NullTracker,
    git_commit,
    run_tags,
    tracker_from_settings,
)
from colloquy.tracking.base import TAG_COLLOQUY_RUN_ID, TAG_DATASET_VERSION, TAG_GIT_COMMIT


def test_a_run_records_params_metrics_by_step_artifacts_and_tags(
    tracking_uri: str, artifact_root: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.html"
    report.write_text("<h1>report</h1>", encoding="utf-8")
    folder = tmp_path / "plots"
    folder.mkdir()
    (folder / "a.txt").write_text("a", encoding="utf-8")
    figure, axes = plt.subplots()
    axes.plot([0, 1], [0, 1])
    tracker = MlflowTracker(tracking_uri, "unit", artifact_root=artifact_root)
    with tracker.start_run("first", tags={"stage": "train"}) as run:
        run.log_params({"C": 10.0, "head": "logreg", "seed": 0, "weight": None, "flag": True})
        for step, loss in enumerate([0.9, 0.5, 0.2]):
            run.log_metrics({"loss": loss}, step=step)
        run.log_metrics({"accuracy": 0.93})
        run.log_artifact(report, "reports")
        run.log_artifact(folder)
        run.log_text("stages: [train]\n", "pipeline.yaml")
        run.log_figure(figure, "plots/roc.png")
        run.set_tags(run_tags(git_commit="a" * 40, dataset_version="abc123", run_id="r-1"))
    plt.close(figure)

    client = MlflowClient(tracking_uri)
    stored = client.get_run(run.run_id)
    assert stored.info.status == "FINISHED"
    assert stored.info.run_name == "first"
    assert stored.data.params == {
        "C": "10.0",
        "head": "logreg",
        "seed": "0",
        "weight": "None",
        "flag": "True",
    }
    history = client.get_metric_history(run.run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 0.9), (1, 0.5), (2, 0.2)]
    assert stored.data.metrics["accuracy"] == 0.93
    assert stored.data.tags["stage"] == "train"
    assert stored.data.tags[TAG_GIT_COMMIT] == "a" * 40
    assert stored.data.tags[TAG_DATASET_VERSION] == "abc123"
    assert stored.data.tags[TAG_COLLOQUY_RUN_ID] == "r-1"
    paths = {a.path for a in client.list_artifacts(run.run_id)}
    assert {"reports", "plots", "pipeline.yaml"} <= paths
    assert {a.path for a in client.list_artifacts(run.run_id, "plots")} == {
        "plots/a.txt",
        "plots/roc.png",
    }
    local = Path(client.download_artifacts(run.run_id, "reports/report.html", str(tmp_path)))
    assert local.read_text(encoding="utf-8") == "<h1>report</h1>"
    experiment = client.get_experiment(stored.info.experiment_id)
    assert experiment.name == "unit"
    assert experiment.artifact_location == artifact_root.resolve().as_uri()


def test_a_failing_job_marks_its_run_failed_and_an_interrupt_killed(tracking_uri: str) -> None:
    tracker = MlflowTracker(tracking_uri, "unit")
    with pytest.raises(ValueError, match="boom"), tracker.start_run() as failed:
        raise ValueError("boom")
    with pytest.raises(KeyboardInterrupt), tracker.start_run() as killed:
        raise KeyboardInterrupt
    client = MlflowClient(tracking_uri)
    assert client.get_run(failed.run_id).info.status == "FAILED"
    assert client.get_run(killed.run_id).info.status == "KILLED"


def test_no_global_mlflow_state_leaks_between_trackers(
    tracking_uri: str, tmp_path: Path, intent_model_dir: Path, empty_store: Path
) -> None:
    other_db = tmp_path / "other.db"
    other_db.write_bytes(empty_store.read_bytes())
    other_uri = f"sqlite:///{other_db}"
    before = mlflow.get_tracking_uri()
    first = MlflowTracker(tracking_uri, "unit")
    second = MlflowTracker(other_uri, "unit")
    with first.start_run() as run_a, second.start_run() as run_b:
        run_a.log_metrics({"x": 1.0})
        run_b.log_metrics({"x": 2.0})
        run_a.log_model(intent_model_dir, "intent")
        assert mlflow.active_run() is None
    assert mlflow.get_tracking_uri() == before
    assert MlflowClient(tracking_uri).get_run(run_a.run_id).data.metrics == {"x": 1.0}
    assert MlflowClient(other_uri).get_run(run_b.run_id).data.metrics == {"x": 2.0}
    with pytest.raises(NotFoundError):
        second.resume_run(run_a.run_id)


def test_a_resumed_run_is_running_again_and_keeps_its_history(tracking_uri: str) -> None:
    tracker = MlflowTracker(tracking_uri, "unit")
    run = tracker.start_run()
    run.log_metrics({"loss": 0.9}, step=0)
    with pytest.raises(KeyboardInterrupt), run:
        raise KeyboardInterrupt
    resumed = tracker.resume_run(run.run_id)
    client = MlflowClient(tracking_uri)
    assert client.get_run(run.run_id).info.status == "RUNNING"
    with resumed:
        resumed.log_metrics({"loss": 0.4}, step=1)
    history = client.get_metric_history(run.run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 0.9), (1, 0.4)]
    assert client.get_run(run.run_id).info.status == "FINISHED"
    with pytest.raises(NotFoundError, match="0123456789abcdef"):
        tracker.resume_run("0123456789abcdef")


def test_bad_calls_are_refused_in_one_line(tracking_uri: str, tmp_path: Path) -> None:
    tracker = MlflowTracker(tracking_uri, "unit")
    with tracker.start_run() as run:
        with pytest.raises(UsageError, match="must be relative"):
            run.log_text("x", "../outside.txt")
        with pytest.raises(UsageError, match="must be relative"):
            run.log_text("x", "/etc/passwd")
        with pytest.raises(NotFoundError, match="does not exist"):
            run.log_artifact(tmp_path / "missing.txt")
        run.log_params({"C": 1})
        with pytest.raises(UsageError, match="logging parameters"):
            run.log_params({"C": 2})
    with pytest.raises(UsageError, match="has ended"):
        run.log_metrics({"late": 1.0})
    run.end("FAILED")
    assert MlflowClient(tracking_uri).get_run(run.run_id).info.status == "FINISHED"


def test_a_deleted_experiment_is_a_config_error(tracking_uri: str) -> None:
    client = MlflowClient(tracking_uri)
    client.delete_experiment(client.create_experiment("gone"))
    with pytest.raises(ConfigError, match=r"'gone' .* is deleted"):
        MlflowTracker(tracking_uri, "gone").start_run()


def test_null_tracker_accepts_everything_and_keeps_nothing(
    tmp_path: Path, intent_model_dir: Path
) -> None:
    with NullTracker().start_run("x") as run:
        run.log_params({"a": 1})
        run.log_metrics({"m": 1.0}, step=3)
        run.set_tags({"t": "v"})
        run.log_text("x", "a.txt")
        logged = run.log_model(intent_model_dir, "intent")
        with pytest.raises(NotFoundError):
            run.log_artifact(tmp_path / "missing")
        with pytest.raises(ArtifactError, match="not colloquy-conversion"):
            run.log_model(intent_model_dir, "conversion")
    assert run.run_id.startswith("null-")
    assert run.status == "FINISHED"
    assert logged.model_uri == ""
    assert logged.model_id is None
    assert not list(tmp_path.glob("**/*.db"))


def test_tracker_from_settings_uses_the_home_store_or_none(tmp_path: Path) -> None:
    settings = load_settings()
    tracker = tracker_from_settings(settings)
    assert isinstance(tracker, MlflowTracker)
    home = settings.resolved_home
    assert tracker.tracking_uri == f"sqlite:///{home / 'mlflow' / 'mlflow.db'}"
    assert tracker.artifact_root == home / "mlflow" / "artifacts"
    assert tracker.experiment == "colloquy"
    assert isinstance(tracker_from_settings(settings, enabled=False), NullTracker)


def test_git_commit_reads_the_checked_out_commit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    assert git_commit(repo) is None

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    git("init", "-q")
    (repo / "f.txt").write_text("x", encoding="utf-8")
    git("add", "f.txt")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "one")
    assert git_commit(repo) == git("rev-parse", "HEAD")
    assert git_commit(repo / "f.txt") == git("rev-parse", "HEAD")
    assert run_tags(git_commit=None, dataset_version="v1") == {TAG_DATASET_VERSION: "v1"}
