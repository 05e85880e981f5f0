"""The classification task as one job: read the declared rows, split off validation rows,
fit, score — returning typed records a pipeline stage, the CLI or MLflow can render.

Tuning calls :func:`fit_and_score` once per trial on rows read once; a pipeline's train
stage calls :func:`train_classification`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from colloquy.data.rows import read_rows
from colloquy.errors import DataError
from colloquy.evaluation import ClassificationMetrics, classification_metrics
from colloquy.features.embeddings import Embedder
from colloquy.models.tabular.config import ClassificationTaskConfig
from colloquy.models.tabular.model import TabularModel, label_strings
from colloquy.models.tabular.trainers import OnIteration
from colloquy.progress import ProgressCallback, emit

STAGE = "classification"


@dataclass(frozen=True, slots=True)
class TaskRows:
    """The rows of a classification task, as read: usable rows and how many were dropped."""

    frame: pd.DataFrame
    dropped: int
    """Rows left out because their target was missing."""
    fingerprint: str
    """SHA-256 of the usable rows (columns, values, order): the data's version."""


@dataclass(frozen=True, slots=True)
class ClassificationTrainingResult:
    """A trained tabular model and how it scored on the held-out validation rows."""

    model: TabularModel
    metrics: ClassificationMetrics
    train_size: int
    validation_size: int
    dropped_rows: int
    data_fingerprint: str


def read_task_rows(config: ClassificationTaskConfig) -> TaskRows:
    """The declared columns of the task's source; rows without a target are dropped."""
    columns = [feature.name for feature in config.features] + [config.target]
    frame = read_rows(config.source, columns, keys=config.column_keys())
    usable = frame[frame[config.target].notna()].reset_index(drop=True)
    if usable.empty:
        raise DataError(
            f"{config.source.display_name} has no rows with a value in {config.target!r}",
            hint="check 'target' and the source",
        )
    return TaskRows(usable, len(frame) - len(usable), rows_fingerprint(usable))


def rows_fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 over a frame's column names and cell values, in order."""
    digest = hashlib.sha256("\x1f".join(map(str, frame.columns)).encode("utf-8"))
    hashed = pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy()
    digest.update(np.ascontiguousarray(hashed).tobytes())
    return digest.hexdigest()


def split_rows(
    frame: pd.DataFrame, target: str, *, fraction: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training and validation rows, stratified by class when every class has two rows."""
    from sklearn.model_selection import train_test_split

    if len(frame) < 2:
        raise DataError(
            f"only {len(frame)} row to learn from; validation needs some held out",
            hint="add rows to the source",
        )
    labels = label_strings(frame[target])
    counts = pd.Series(labels).value_counts()
    n_val = min(max(1, round(len(frame) * fraction)), len(frame) - 1)
    fits = n_val >= len(counts) and len(frame) - n_val >= len(counts)
    stratify = labels if counts.min() >= 2 and fits else None
    train, validation = train_test_split(
        frame, test_size=n_val, random_state=seed, stratify=stratify, shuffle=True
    )
    return train.reset_index(drop=True), validation.reset_index(drop=True)


def fit_and_score(
    config: ClassificationTaskConfig,
    train: pd.DataFrame,
    validation: pd.DataFrame,
    *,
    seed: int,
    on_iteration: OnIteration | None = None,
    embedder: Embedder | None = None,
    n_bootstrap: int = 200,
) -> tuple[TabularModel, ClassificationMetrics]:
    """Fit the task's model on ``train`` and score it on ``validation`` (also what
    ``on_iteration`` reports on)."""
    model = TabularModel.from_config(config, seed=seed, embedder=embedder)
    model.fit(train, config.target, validation=validation, on_iteration=on_iteration)
    metrics = evaluate_classification(
        model, validation, target=config.target, n_bootstrap=n_bootstrap, seed=seed
    )
    return model, metrics


def train_classification(
    config: ClassificationTaskConfig,
    *,
    seed: int,
    on_iteration: OnIteration | None = None,
    progress: ProgressCallback | None = None,
    embedder: Embedder | None = None,
) -> ClassificationTrainingResult:
    """Read, split (``config.validation_fraction``, stratified, seeded), fit and score."""
    emit(progress, STAGE, 0, 3, unit="steps", detail="reading rows")
    rows = read_task_rows(config)
    train, validation = split_rows(
        rows.frame, config.target, fraction=config.validation_fraction, seed=seed
    )
    emit(progress, STAGE, 1, 3, unit="steps", detail=f"fitting {config.trainer.name}")
    model, metrics = fit_and_score(
        config, train, validation, seed=seed, on_iteration=on_iteration, embedder=embedder
    )
    emit(progress, STAGE, 3, 3, unit="steps", detail="scored")
    return ClassificationTrainingResult(
        model, metrics, len(train), len(validation), rows.dropped, rows.fingerprint
    )


def evaluate_classification(
    model: TabularModel,
    frame: pd.DataFrame,
    *,
    target: str | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> ClassificationMetrics:
    """colloquy's classification metrics of ``model`` on labelled rows (``target`` defaults
    to the column the model was trained on)."""
    column = target or model.target_
    if column not in frame.columns:
        raise DataError(
            f"target column {column!r} is missing from the rows to evaluate",
            hint="pass rows that hold the true classes",
        )
    truth = label_strings(frame[column])
    proba = model.predict_proba(frame)
    predicted = [str(label) for label in model.classes_[proba.argmax(axis=1)]]
    classes = sorted({*model.classes_.tolist(), *truth})
    full = np.zeros((len(frame), len(classes)))
    positions = [classes.index(label) for label in model.classes_]
    full[:, positions] = proba
    return classification_metrics(
        truth, predicted, proba=full, classes=classes, n_bootstrap=n_bootstrap, seed=seed
    )
