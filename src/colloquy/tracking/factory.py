"""Trackers and registries built from colloquy's settings (``mlflow.*`` keys)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from colloquy.tracking.uri import check_tracking_uri

if TYPE_CHECKING:
    from colloquy.config import Settings
    from colloquy.tracking.base import Tracker
    from colloquy.tracking.registry import ModelRegistry

__all__ = ["registry_from_settings", "tracker_from_settings"]


def tracker_from_settings(
    settings: Settings, *, enabled: bool = True, experiment: str | None = None
) -> Tracker:
    """The configured tracker, its URI checked first; a NullTracker when not ``enabled``.

    The artifact folder under the colloquy home is used only with the default local store:
    a configured URI keeps its own artifact location.
    """
    if not enabled:
        from colloquy.tracking.null_tracker import NullTracker

        return NullTracker()
    from colloquy.tracking.mlflow_tracker import MlflowTracker

    uri = settings.resolved_mlflow_tracking_uri
    check_tracking_uri(uri)
    root = None if settings.mlflow.tracking_uri else settings.resolved_mlflow_artifact_root
    return MlflowTracker(uri, experiment or settings.mlflow.experiment, artifact_root=root)


def registry_from_settings(settings: Settings) -> ModelRegistry:
    """The model registry of the configured tracking store, its URI checked first."""
    from colloquy.tracking.mlflow_registry import MlflowRegistry

    uri = settings.resolved_mlflow_tracking_uri
    check_tracking_uri(uri)
    return MlflowRegistry(uri)
