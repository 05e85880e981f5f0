"""The tracking seam: a :class:`Tracker` opens :class:`TrackedRun` s that record one job.

Pipelines log through this seam, never through MLflow directly, so tracking can be turned
off (:class:`~colloquy.tracking.null_tracker.NullTracker`) or pointed at another store
without touching the stages. A run is a context manager: leaving it normally marks it
FINISHED, an interrupt (Ctrl-C, SIGTERM turned into ``SystemExit``) KILLED, and any other
exception FAILED, so a crashed job never stays RUNNING in the UI.
"""

from __future__ import annotations

import subprocess
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Literal, Self

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "ARTIFACT_KINDS",
    "TAG_COLLOQUY_RUN_ID",
    "TAG_DATASET_VERSION",
    "TAG_GIT_COMMIT",
    "LoggedModel",
    "ModelKind",
    "ParamValue",
    "RunStatus",
    "TrackedRun",
    "Tracker",
    "check_model_dir",
    "git_commit",
    "run_tags",
]

ModelKind = Literal["intent", "conversion", "classification"]
RunStatus = Literal["FINISHED", "FAILED", "KILLED"]
ParamValue = str | int | float | bool | None

ARTIFACT_KINDS: dict[ModelKind, str] = {
    "intent": "intent",
    "conversion": "conversion",
    "classification": "tabular",
}
"""The model-directory format (``colloquy-<kind>``) each task's models are saved in."""

TAG_GIT_COMMIT = "mlflow.source.git.commit"
"""MLflow's own tag for the source commit, so its UI shows it in the run's header."""
TAG_DATASET_VERSION = "colloquy.dataset_version"
TAG_COLLOQUY_RUN_ID = "colloquy.run_id"


@dataclass(frozen=True)
class LoggedModel:
    """A model logged in a run; ``model_uri`` is what the registry registers."""

    model_uri: str
    model_id: str | None
    run_id: str
    name: str
    kind: ModelKind


class TrackedRun(ABC):
    """One tracked job: parameters, metrics by step, artifacts, tags and logged models."""

    @property
    @abstractmethod
    def run_id(self) -> str:
        """The tracking store's id of this run."""

    @abstractmethod
    def log_params(self, params: Mapping[str, ParamValue]) -> None:
        """Record parameters (``None`` is recorded as the text ``None``)."""

    @abstractmethod
    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """Record metrics, at ``step`` (an epoch, a trial) when they form a curve."""

    @abstractmethod
    def log_artifact(self, path: Path, artifact_path: str | None = None) -> None:
        """Copy a file or a folder into the run, keeping its name, under ``artifact_path``."""

    @abstractmethod
    def log_text(self, text: str, artifact_file: str) -> None:
        """Store ``text`` as the artifact ``artifact_file`` (a relative path)."""

    @abstractmethod
    def log_figure(self, figure: Figure, artifact_file: str) -> None:
        """Store a matplotlib figure as an image artifact (``.png`` or ``.svg``)."""

    @abstractmethod
    def set_tags(self, tags: Mapping[str, str]) -> None:
        """Set tags: git commit, dataset version, colloquy run id (see :func:`run_tags`)."""

    @abstractmethod
    def log_model(self, model_dir: Path, kind: ModelKind, name: str = "model") -> LoggedModel:
        """Log a colloquy model directory as a servable model of this run."""

    @abstractmethod
    def end(self, status: RunStatus = "FINISHED") -> None:
        """Close the run with ``status``; closing twice changes nothing."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.end("FINISHED")
        elif issubclass(exc_type, KeyboardInterrupt | SystemExit):
            self.end("KILLED")
        else:
            self.end("FAILED")


class Tracker(ABC):
    """Where runs are recorded (an MLflow store, or nowhere)."""

    @abstractmethod
    def start_run(
        self, run_name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> TrackedRun:
        """Open a new run."""

    @abstractmethod
    def resume_run(self, run_id: str) -> TrackedRun:
        """Re-open an existing run (a resumed pipeline keeps logging into its run)."""


def run_tags(
    *,
    git_commit: str | None = None,
    dataset_version: str | None = None,
    run_id: str | None = None,
) -> dict[str, str]:
    """The lineage tags of a run under their agreed keys, leaving out unknown values."""
    pairs = {
        TAG_GIT_COMMIT: git_commit,
        TAG_DATASET_VERSION: dataset_version,
        TAG_COLLOQUY_RUN_ID: run_id,
    }
    return {key: value for key, value in pairs.items() if value}


def git_commit(path: Path) -> str | None:
    """The commit checked out in the git repository holding ``path``, or ``None``.

    ``None`` when ``path`` is not inside a repository or git is not installed: a run
    outside version control is still worth tracking.
    """
    folder = path if path.is_dir() else path.parent
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--verify", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    if done.returncode != 0 or len(commit) not in (40, 64):
        return None
    return commit


def check_model_dir(model_dir: Path, kind: ModelKind) -> None:
    """Refuse a folder that is not a colloquy model of ``kind`` before anything is logged."""
    from colloquy.models.artifacts import read_manifest

    read_manifest(model_dir, kind=ARTIFACT_KINDS[kind])
