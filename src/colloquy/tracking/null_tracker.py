"""A tracker that records nothing, for pipelines with ``tracking: {enabled: false}``.

Stages log the same way whether tracking is on or off; with this adapter every call is
accepted, checked for the mistakes the real store would refuse, and forgotten.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from colloquy.errors import NotFoundError, UsageError
from colloquy.tracking.base import (
    LoggedModel,
    ModelKind,
    ParamValue,
    RunStatus,
    TrackedRun,
    Tracker,
    check_model_dir,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["NullTrackedRun", "NullTracker"]


class NullTrackedRun(TrackedRun):
    """A run that keeps nothing; ``status`` tells how it ended."""

    def __init__(self, run_id: str) -> None:
        self._run_id = run_id
        self.status: RunStatus | None = None

    @property
    def run_id(self) -> str:
        return self._run_id

    def log_params(self, params: Mapping[str, ParamValue]) -> None:
        self._check_open()

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        self._check_open()

    def log_artifact(self, path: Path, artifact_path: str | None = None) -> None:
        self._check_open()
        if not path.exists():
            raise NotFoundError(f"artifact {path} does not exist")

    def log_text(self, text: str, artifact_file: str) -> None:
        self._check_open()

    def log_figure(self, figure: Figure, artifact_file: str) -> None:
        self._check_open()

    def set_tags(self, tags: Mapping[str, str]) -> None:
        self._check_open()

    def log_model(self, model_dir: Path, kind: ModelKind, name: str = "model") -> LoggedModel:
        self._check_open()
        check_model_dir(model_dir, kind)
        return LoggedModel(model_uri="", model_id=None, run_id=self._run_id, name=name, kind=kind)

    def end(self, status: RunStatus = "FINISHED") -> None:
        if self.status is None:
            self.status = status

    def _check_open(self) -> None:
        if self.status is not None:
            raise UsageError(f"run {self._run_id} has ended ({self.status}); start a new run")


class NullTracker(Tracker):
    """Opens runs that record nothing."""

    def start_run(
        self, run_name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> NullTrackedRun:
        return NullTrackedRun(f"null-{uuid.uuid4().hex}")

    def resume_run(self, run_id: str) -> NullTrackedRun:
        return NullTrackedRun(run_id)
