"""The model side of the dashboard: registry rows, training jobs, the intent model's confusions.

The registry is the CLI's (``registry_from_settings``: the MLflow store under the colloquy
home by default); confusion hot spots come from the ``confusion.csv`` the intent
pipeline's evaluation stage logs with the run that produced the champion (or newest)
version of an intent model.
"""

from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from colloquy.tracking.registry import CHAMPION, ModelVersionRecord

if TYPE_CHECKING:
    from colloquy.config import Settings
    from colloquy.storage import Store

HOT_SPOTS = 15


@dataclass(frozen=True, slots=True)
class HotSpots:
    """The most confused (true, predicted) label pairs of one model version."""

    model: str
    frame: pd.DataFrame


@st.cache_resource(show_spinner=False, ttl=120)
def registry_versions(_settings: Settings, uri: str) -> tuple[ModelVersionRecord, ...]:
    """Every version of every registered model, newest model first."""
    from colloquy.tracking.factory import registry_from_settings

    registry = registry_from_settings(_settings)
    versions: list[ModelVersionRecord] = []
    for model in registry.list_models():
        versions.extend(registry.show(model.name).versions)
    return tuple(versions)


def _find(client: object, run_id: str, folder: str | None, depth: int) -> str | None:
    from mlflow.tracking import MlflowClient

    assert isinstance(client, MlflowClient)
    for item in client.list_artifacts(run_id, folder):
        if item.is_dir and depth > 0:
            found = _find(client, run_id, item.path, depth - 1)
            if found is not None:
                return found
        elif item.path.endswith("confusion.csv"):
            return str(item.path)
    return None


def _pairs(path: Path) -> pd.DataFrame:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    labels = rows[0][1:]
    found = []
    for row in rows[1:]:
        true = row[0]
        for predicted, count in zip(labels, row[1:], strict=False):
            if predicted != true and count and int(count) > 0:
                found.append({"true": true, "predicted as": predicted, "count": int(count)})
    frame = pd.DataFrame(found, columns=["true", "predicted as", "count"])
    return frame.sort_values(["count", "true"], ascending=[False, True]).head(HOT_SPOTS)


@st.cache_resource(show_spinner=False, ttl=600)
def _hot_spots(_settings: Settings, uri: str) -> HotSpots | None:
    from mlflow.tracking import MlflowClient

    versions = [v for v in registry_versions(_settings, uri) if "intent" in v.name and v.run_id]
    if not versions:
        return None
    chosen = next((v for v in versions if CHAMPION in v.aliases), versions[0])
    client = MlflowClient(tracking_uri=uri)
    artifact = _find(client, str(chosen.run_id), None, 3)
    if artifact is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        local = client.download_artifacts(str(chosen.run_id), artifact, tmp)
        frame = _pairs(Path(local))
    return HotSpots(model=f"{chosen.name} v{chosen.version}", frame=frame)


def confusion_hot_spots(settings: Settings) -> HotSpots | None:
    """The champion (else newest) intent model's most confused pairs, if it was evaluated."""
    return _hot_spots(settings, settings.resolved_mlflow_tracking_uri)


def jobs_frame(store: Store) -> pd.DataFrame:
    """Training and ingest jobs, newest first, with their progress."""
    from colloquy.storage.jobs import JobRepository

    rows = JobRepository(store.engine).list_jobs(limit=200)
    return pd.DataFrame(
        [
            {
                "job": job.id,
                "kind": str(job.kind),
                "state": str(job.state),
                "stage": job.stage or "",
                "progress": job.progress if job.progress is not None else 0.0,
                "message": job.message or job.error or "",
                "created": job.created_at.strftime("%Y-%m-%d %H:%M"),
                "finished": "" if job.finished_at is None else f"{job.finished_at:%Y-%m-%d %H:%M}",
            }
            for job in rows
        ],
        columns=["job", "kind", "state", "stage", "progress", "message", "created", "finished"],
    )


def versions_frame(versions: tuple[ModelVersionRecord, ...]) -> pd.DataFrame:
    """One row per registered version: aliases, status, dataset version tags and metrics."""
    rows = []
    for v in versions:
        datasets = ", ".join(f"{k}={val}" for k, val in sorted(v.tags.items()) if "dataset" in k)
        metrics = ", ".join(f"{k}={val:.4g}" for k, val in sorted(v.metrics.items()))
        rows.append(
            {
                "model": v.name,
                "version": v.version,
                "aliases": ", ".join(v.aliases),
                "status": v.status,
                "created": v.created_at.strftime("%Y-%m-%d %H:%M"),
                "dataset versions": datasets,
                "metrics": metrics,
                "run": v.run_id or "",
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "model",
            "version",
            "aliases",
            "status",
            "created",
            "dataset versions",
            "metrics",
            "run",
        ],
    )
