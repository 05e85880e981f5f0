"""Experiment tracking and the model registry (MLflow behind the ``Tracker`` seam).

Importing this package does not import MLflow: the names below load their module on first
use, so commands that never track start as fast as before.

- :class:`Tracker` / :class:`TrackedRun` — the seam; :class:`MlflowTracker` and
  :class:`NullTracker` its adapters; :func:`tracker_from_settings` builds the configured one.
- :func:`check_tracking_uri` — validate a URI before any work starts.
- :class:`ModelRegistry` / :class:`MlflowRegistry` — versions and aliases;
  :func:`resolve_model_reference` turns ``DIR``, ``NAME@ALIAS`` or ``NAME/VERSION`` into a
  model directory.
- :func:`compare_with_champion`, :func:`promote`, :func:`register_model` — the champion rules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from colloquy.tracking.base import (
        LoggedModel,
        ModelKind,
        RunStatus,
        TrackedRun,
        Tracker,
        git_commit,
        run_tags,
    )
    from colloquy.tracking.factory import registry_from_settings, tracker_from_settings
    from colloquy.tracking.mlflow_registry import MlflowRegistry
    from colloquy.tracking.mlflow_tracker import MlflowTracker
    from colloquy.tracking.null_tracker import NullTracker
    from colloquy.tracking.promotion import (
        ChampionComparison,
        PromotionDecision,
        compare_with_champion,
        promote,
        register_model,
    )
    from colloquy.tracking.registry import (
        CHALLENGER,
        CHAMPION,
        ModelDetails,
        ModelRegistry,
        ModelVersionRecord,
        RegisteredModelRecord,
        ResolvedModel,
        resolve_model_reference,
    )
    from colloquy.tracking.uri import check_tracking_uri

_WHERE = {
    "LoggedModel": "base",
    "ModelKind": "base",
    "RunStatus": "base",
    "TrackedRun": "base",
    "Tracker": "base",
    "git_commit": "base",
    "run_tags": "base",
    "registry_from_settings": "factory",
    "tracker_from_settings": "factory",
    "MlflowRegistry": "mlflow_registry",
    "MlflowTracker": "mlflow_tracker",
    "NullTracker": "null_tracker",
    "ChampionComparison": "promotion",
    "PromotionDecision": "promotion",
    "compare_with_champion": "promotion",
    "promote": "promotion",
    "register_model": "promotion",
    "CHALLENGER": "registry",
    "CHAMPION": "registry",
    "ModelDetails": "registry",
    "ModelRegistry": "registry",
    "ModelVersionRecord": "registry",
    "RegisteredModelRecord": "registry",
    "ResolvedModel": "registry",
    "resolve_model_reference": "registry",
    "check_tracking_uri": "uri",
}

__all__ = [
    "CHALLENGER",
    "CHAMPION",
    "ChampionComparison",
    "LoggedModel",
    "MlflowRegistry",
    "MlflowTracker",
    "ModelDetails",
    "ModelKind",
    "ModelRegistry",
    "ModelVersionRecord",
    "NullTracker",
    "PromotionDecision",
    "RegisteredModelRecord",
    "ResolvedModel",
    "RunStatus",
    "TrackedRun",
    "Tracker",
    "check_tracking_uri",
    "compare_with_champion",
    "git_commit",
    "promote",
    "register_model",
    "registry_from_settings",
    "resolve_model_reference",
    "run_tags",
    "tracker_from_settings",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
