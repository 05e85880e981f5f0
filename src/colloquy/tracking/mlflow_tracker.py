"""The MLflow adapter of the tracking seam, through ``mlflow.MlflowClient`` only.

Every call names its run explicitly, so no process-wide "active run" exists to leak from
one pipeline into the next (MLflow's fluent ``mlflow.start_run`` keeps one). The default
store is a SQLite file with an artifact folder under the colloquy home; any tracking URI
works (``COLLOQUY_MLFLOW__TRACKING_URI``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag
from mlflow.entities import RunStatus as MlflowRunStatus
from mlflow.exceptions import MlflowException

from colloquy.errors import ConfigError, NotFoundError, StorageError, UsageError
from colloquy.logging import reclaim_library_loggers
from colloquy.tracking.base import (
    LoggedModel,
    ModelKind,
    ParamValue,
    RunStatus,
    TrackedRun,
    Tracker,
)
from colloquy.tracking.uri import local_store_path

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["MlflowTrackedRun", "MlflowTracker", "mlflow_errors"]

# Importing mlflow gave its loggers, and Alembic's, handlers of their own.
reclaim_library_loggers()


@contextmanager
def mlflow_errors(what: str) -> Iterator[None]:
    """Turn an MLflow failure into one colloquy line saying what was being done."""
    try:
        yield
    except MlflowException as exc:
        message = str(exc.message).strip().splitlines()[0] if exc.message else str(exc)
        code = exc.error_code
        if code == "RESOURCE_DOES_NOT_EXIST":
            raise NotFoundError(f"{what}: {message}") from None
        if code in ("INVALID_PARAMETER_VALUE", "RESOURCE_ALREADY_EXISTS"):
            raise UsageError(f"{what}: {message}") from None
        raise StorageError(
            f"{what}: {message}", hint="check the MLflow tracking store and its URI"
        ) from None


def _artifact_file(name: str) -> str:
    """``name`` as a relative POSIX path inside the run, or a UsageError."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name:
        raise UsageError(
            f"artifact path {name!r} must be relative and stay inside the run",
            hint="use a path such as 'reports/summary.txt'",
        )
    return str(path)


class MlflowTrackedRun(TrackedRun):
    """An open MLflow run, written to through the client."""

    def __init__(self, client: MlflowClient, tracking_uri: str, run_id: str) -> None:
        self._client = client
        self._tracking_uri = tracking_uri
        self._run_id = run_id
        self.status: RunStatus | None = None

    @property
    def run_id(self) -> str:
        return self._run_id

    def log_params(self, params: Mapping[str, ParamValue]) -> None:
        self._check_open()
        batch = [Param(str(key), str(value)) for key, value in params.items()]
        with mlflow_errors(f"logging parameters to run {self._run_id}"):
            self._client.log_batch(self._run_id, params=batch)

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        self._check_open()
        stamp = int(time.time() * 1000)
        batch = [
            Metric(str(key), float(value), stamp, step if step is not None else 0)
            for key, value in metrics.items()
        ]
        with mlflow_errors(f"logging metrics to run {self._run_id}"):
            self._client.log_batch(self._run_id, metrics=batch)

    def log_artifact(self, path: Path, artifact_path: str | None = None) -> None:
        self._check_open()
        folder = _artifact_file(artifact_path) if artifact_path is not None else None
        with mlflow_errors(f"logging {path} to run {self._run_id}"):
            if path.is_dir():
                inside = f"{folder}/{path.name}" if folder else _artifact_file(path.name)
                self._client.log_artifacts(self._run_id, str(path), inside)
            elif path.is_file():
                self._client.log_artifact(self._run_id, str(path), folder)
            else:
                raise NotFoundError(f"artifact {path} does not exist")

    def log_text(self, text: str, artifact_file: str) -> None:
        self._check_open()
        with mlflow_errors(f"logging {artifact_file} to run {self._run_id}"):
            self._client.log_text(self._run_id, text, _artifact_file(artifact_file))

    def log_figure(self, figure: Figure, artifact_file: str) -> None:
        self._check_open()
        with mlflow_errors(f"logging {artifact_file} to run {self._run_id}"):
            self._client.log_figure(self._run_id, figure, _artifact_file(artifact_file))

    def set_tags(self, tags: Mapping[str, str]) -> None:
        self._check_open()
        batch = [RunTag(str(key), str(value)) for key, value in tags.items()]
        with mlflow_errors(f"tagging run {self._run_id}"):
            self._client.log_batch(self._run_id, tags=batch)

    def log_model(self, model_dir: Path, kind: ModelKind, name: str = "model") -> LoggedModel:
        from colloquy.tracking.pyfunc import log_pyfunc

        self._check_open()
        with mlflow_errors(f"logging model {model_dir} to run {self._run_id}"):
            return log_pyfunc(self._tracking_uri, self._run_id, model_dir, kind, name)

    def end(self, status: RunStatus = "FINISHED") -> None:
        if self.status is not None:
            return
        with mlflow_errors(f"closing run {self._run_id}"):
            self._client.set_terminated(self._run_id, status=status)
        self.status = status

    def _check_open(self) -> None:
        if self.status is not None:
            raise UsageError(f"run {self._run_id} has ended ({self.status}); start a new run")


class MlflowTracker(Tracker):
    """Runs recorded in the MLflow store at ``tracking_uri``, in ``experiment``.

    ``artifact_root`` is where a new experiment keeps its files (the default store puts
    them under the colloquy home); a tracking server decides that itself, so leave it
    ``None`` there. With a SQLite store and no ``artifact_root``, files go to
    ``artifacts/`` beside the database, never into the current directory (MLflow's
    ``./mlruns``). The experiment is created on first use.
    """

    def __init__(self, tracking_uri: str, experiment: str, artifact_root: Path | None = None):
        self.tracking_uri = tracking_uri
        self.experiment = experiment
        database = local_store_path(tracking_uri) if tracking_uri.startswith("sqlite:") else None
        if artifact_root is None and database is not None:
            artifact_root = database.parent / "artifacts"
        self.artifact_root = artifact_root
        self._experiment_id: str | None = None

    @cached_property
    def client(self) -> MlflowClient:
        """The client, made on first use (opening a new SQLite store migrates it: seconds)."""
        return MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)

    @property
    def experiment_id(self) -> str:
        """The id of :attr:`experiment`, created (with :attr:`artifact_root`) if absent."""
        if self._experiment_id is None:
            self._experiment_id = self._ensure_experiment()
        return self._experiment_id

    def _ensure_experiment(self) -> str:
        with mlflow_errors(f"opening experiment {self.experiment!r} at {self.tracking_uri}"):
            found = self.client.get_experiment_by_name(self.experiment)
            if found is None:
                location = self.artifact_root.resolve().as_uri() if self.artifact_root else None
                try:
                    return str(self.client.create_experiment(self.experiment, location))
                except MlflowException as exc:
                    if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                        raise
                    found = self.client.get_experiment_by_name(self.experiment)
                    if found is None:
                        raise
        if found.lifecycle_stage != "active":
            raise ConfigError(
                f"MLflow experiment {self.experiment!r} at {self.tracking_uri} is deleted",
                hint="restore it (mlflow experiments restore) or set mlflow.experiment to "
                "another name",
            )
        return str(found.experiment_id)

    def start_run(
        self, run_name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> MlflowTrackedRun:
        with mlflow_errors(f"starting a run in experiment {self.experiment!r}"):
            run = self.client.create_run(
                self.experiment_id, run_name=run_name, tags=dict(tags or {})
            )
        return MlflowTrackedRun(self.client, self.tracking_uri, run.info.run_id)

    def resume_run(self, run_id: str) -> MlflowTrackedRun:
        with mlflow_errors(f"resuming MLflow run {run_id}"):
            run = self.client.get_run(run_id)
            if run.info.experiment_id != self.experiment_id:
                raise UsageError(
                    f"MLflow run {run_id} belongs to another experiment",
                    hint=f"resume it with mlflow.experiment set to its experiment, not "
                    f"{self.experiment!r}",
                )
            if run.info.status != MlflowRunStatus.to_string(MlflowRunStatus.RUNNING):
                self.client.update_run(run_id, status="RUNNING")
        return MlflowTrackedRun(self.client, self.tracking_uri, run_id)
