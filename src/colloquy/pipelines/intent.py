"""Train, evaluate and serve intent models from labelled text files.

These are the jobs behind ``colloquy train|evaluate|predict intent``: read the table,
build the classifier from a typed training configuration, fit it, write the model
directory atomically, and score it with the evaluation package.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from colloquy.data.tables import read_labelled_texts
from colloquy.evaluation import ClassificationMetrics, classification_metrics
from colloquy.models.artifacts import data_fingerprint
from colloquy.models.contrastive_config import ContrastiveConfig
from colloquy.models.heads import HeadName
from colloquy.models.intent import Backend, IntentClassifier, Method
from colloquy.progress import ProgressCallback


class IntentTrainingConfig(BaseModel):
    """Everything ``colloquy train intent`` can be told (``--config train.yaml``)."""

    model_config = ConfigDict(extra="forbid")

    method: Method = "frozen"
    head: HeadName = "logreg"
    model: str = "sentence-transformers/all-MiniLM-L6-v2"
    C: float = Field(default=10.0, gt=0)
    tfidf_weight: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Share of a TF-IDF model in the blend; None chooses it on validation",
    )
    label_examples: bool = Field(
        default=False, description="Add each intent's name as a training example (few-shot)"
    )
    contrastive: ContrastiveConfig = Field(default_factory=ContrastiveConfig)
    oos_holdout: float = Field(default=0.1, gt=0.0, lt=0.5)
    seed: int = 0


def train_intent(
    data: Path,
    *,
    text_column: str,
    label_column: str,
    output: Path,
    config: IntentTrainingConfig,
    oos_label: str | None = None,
    cache_path: Path | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Fit an intent model on ``data`` and write it to ``output``; returns its manifest."""
    texts, labels = read_labelled_texts(data, text_column=text_column, label_column=label_column)
    classifier = IntentClassifier(
        method=config.method,
        head=config.head,
        model=config.model,
        C=config.C,
        tfidf_weight=config.tfidf_weight if config.tfidf_weight is not None else "auto",
        oos_label=oos_label,
        oos_holdout=config.oos_holdout,
        label_examples=config.label_examples,
        contrastive=config.contrastive.model_copy(update={"seed": config.seed}),
        cache_path=cache_path,
        seed=config.seed,
        progress=progress,
    )
    started = time.perf_counter()
    classifier.fit(texts, labels)
    seconds = time.perf_counter() - started
    metrics = {
        "training_rows": len(texts),
        "classes": len(classifier.classes_),
        "training_seconds": round(seconds, 1),
        **classifier.fit_report_,
    }
    return classifier.save(
        output,
        metrics=metrics,
        training_data_sha256=data_fingerprint(texts, labels),
        params={"config": config.model_dump(mode="json"), "data": str(data)},
    )


def evaluate_intent(
    model_dir: Path,
    data: Path,
    *,
    text_column: str,
    label_column: str,
    oos_label: str | None = None,
    backend: Backend | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[dict[str, Any], ClassificationMetrics]:
    """Score a saved model on a labelled file: the JSON summary and the full metrics."""
    classifier = IntentClassifier.load(model_dir, backend=backend, progress=progress)
    texts, labels = read_labelled_texts(data, text_column=text_column, label_column=label_column)
    proba = classifier.predict_proba(texts)
    predicted = classifier.decide(proba)
    oos = oos_label or classifier.oos_label
    metrics = classification_metrics(
        labels,
        list(predicted),
        proba=proba if oos is None else None,
        classes=list(classifier.classes_) if oos is None else None,
    )
    summary: dict[str, Any] = {
        "n": metrics.n,
        "accuracy": metrics.accuracy,
        "macro_f1": metrics.macro_f1,
        "weighted_f1": metrics.weighted_f1,
    }
    if metrics.accuracy_ci is not None and metrics.macro_f1_ci is not None:
        summary["accuracy_ci95"] = [metrics.accuracy_ci.low, metrics.accuracy_ci.high]
        summary["macro_f1_ci95"] = [metrics.macro_f1_ci.low, metrics.macro_f1_ci.high]
    if metrics.calibration is not None:
        summary["ece"] = metrics.calibration.ece
    if oos is not None:
        summary.update(oos_scores(np.asarray(labels), predicted, oos))
    return summary, metrics


def oos_scores(labels: np.ndarray, predicted: np.ndarray, oos_label: str) -> dict[str, float]:
    """In-scope accuracy and out-of-scope recall and precision."""
    is_oos = labels == oos_label
    said_oos = predicted == oos_label
    in_scope = ~is_oos
    return {
        "in_scope_accuracy": _share(predicted[in_scope] == labels[in_scope]),
        "oos_recall": _share(said_oos[is_oos]),
        "oos_precision": _share(is_oos[said_oos]),
        "oos_n": int(is_oos.sum()),
    }


def predict_intent(
    model_dir: Path, texts: Sequence[str], *, top_k: int = 1, backend: Backend | None = None
) -> list[dict[str, Any]]:
    """Intent predictions with the ``top_k`` alternatives for each text."""
    classifier = IntentClassifier.load(model_dir, backend=backend)
    proba = classifier.predict_proba(texts)
    decided = classifier.decide(proba)
    ranked = classifier.rank(proba, top_k)
    return [
        {
            "text": text,
            "intent": str(label),
            "confidence": float(row.max()),
            "top_k": [{"intent": name, "probability": p} for name, p in alternatives],
        }
        for text, label, row, alternatives in zip(texts, decided, proba, ranked, strict=True)
    ]


def _share(mask: np.ndarray) -> float:
    return float(mask.mean()) if mask.size else float("nan")
