"""Trackers and registries built from colloquy's settings (``mlflow.*`` keys)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from colloquy.extras import require
from colloquy.tracking.uri import check_tracking_uri

if TYPE_CHECKING:
    from colloquy.config import Settings
    from colloquy.tracking.base import Tracker
    from colloquy.tracking.registry import ModelRegistry

__all__ = ["registry_from_settings", "tracker_from_settings"]


def tracker_from_settings(
    settings: Settings,
    *,
    enabled: bool = True,
    uri: str | None = None,
    experiment: str | None = None,
) -> Tracker:
    """The configured tracker, its URI checked first; a NullTracker when not ``enabled``.

    ``uri`` and ``experiment`` (a pipeline file's ``tracking.uri`` and
    ``tracking.experiment``) override the settings. The artifact folder under the colloquy
    home is used only with the default local store: a configured URI keeps its own
    artifact location (beside the database for a SQLite URI).
    """
    if not enabled:
        from colloquy.tracking.null_tracker import NullTracker

        return NullTracker()
    require("mlflow", extra="pipelines", feature="MLflow tracking")
    from colloquy.tracking.mlflow_tracker import MlflowTracker

    chosen = uri or settings.resolved_mlflow_tracking_uri
    check_tracking_uri(chosen)
    configured = uri or settings.mlflow.tracking_uri
    root = None if configured else settings.resolved_mlflow_artifact_root
    return MlflowTracker(chosen, experiment or settings.mlflow.experiment, artifact_root=root)


def registry_from_settings(settings: Settings, *, uri: str | None = None) -> ModelRegistry:
    """The model registry of the tracking store (``uri`` or the settings'), checked first."""
    require("mlflow", extra="pipelines", feature="the MLflow model registry")
    from colloquy.tracking.mlflow_registry import MlflowRegistry

    chosen = uri or settings.resolved_mlflow_tracking_uri
    check_tracking_uri(chosen)
    return MlflowRegistry(chosen)
