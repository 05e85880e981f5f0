"""Train, evaluate and serve intent models from labelled text files.

These are the jobs behind ``colloquy train|evaluate|predict intent``: read the table,
build the classifier from a typed training configuration, fit it, write the model
directory atomically, and score it with the evaluation package. Serving goes through
:class:`IntentModel`: loading reads the heads and starts the encoder, which costs far
more than a prediction, so a process loads a model once and asks it many times.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from colloquy.data.tables import read_labelled_texts
from colloquy.errors import DataError, UsageError
from colloquy.execution.config import DeviceChoice
from colloquy.execution.device import resolve_device
from colloquy.models.artifacts import check_output, data_fingerprint
from colloquy.models.choices import Backend, Method
from colloquy.models.contrastive_config import ContrastiveConfig
from colloquy.models.heads import HeadName
from colloquy.models.intent import IntentClassifier
from colloquy.pipelines.records import (
    IntentAlternative,
    IntentEvaluation,
    IntentManifest,
    IntentPrediction,
    IntentTrainingMetrics,
    finite,
)
from colloquy.progress import ProgressCallback

if TYPE_CHECKING:
    from colloquy.evaluation import ClassificationMetrics


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
    device: DeviceChoice | None = Field(
        default=None,
        description="Where the encoder, the contrastive fine-tune and the MLP head run: auto, "
        "cpu or cuda; None = the execution.device setting (the CPU by default)",
    )
    seed: int = 0


class IntentModel:
    """A saved intent model, loaded once, answering any number of :meth:`predict` calls."""

    def __init__(self, classifier: IntentClassifier) -> None:
        self.classifier = classifier

    @classmethod
    def load(
        cls,
        directory: Path | str,
        *,
        backend: Backend | None = None,
        progress: ProgressCallback | None = None,
    ) -> IntentModel:
        """The model saved in ``directory`` (checked before anything in it is read)."""
        return cls(IntentClassifier.load(Path(directory), backend=backend, progress=progress))

    @property
    def labels(self) -> tuple[str, ...]:
        """The in-scope intents the model chooses among."""
        return tuple(str(label) for label in self.classifier.classes_)

    @property
    def oos_label(self) -> str | None:
        """The label answered below the confidence threshold, if the model has one."""
        return self.classifier.oos_label

    def predict(self, texts: Sequence[str], *, top_k: int = 1) -> list[IntentPrediction]:
        """The intent of each text with its ``top_k`` most likely alternatives.

        An empty or whitespace-only text is refused: the model would still answer it, with
        a confident label that means nothing.
        """
        if isinstance(texts, str):
            raise UsageError("predict takes a list of texts", hint="use predict_one for one text")
        if top_k < 1:
            raise UsageError(f"top_k must be at least 1, got {top_k}")
        check_texts(texts)
        proba = self.classifier.predict_proba(texts)
        decided = self.classifier.decide(proba)
        ranked = self.classifier.rank(proba, top_k)
        return [
            IntentPrediction(
                text=text,
                intent=str(label),
                confidence=float(row.max()),
                top_k=tuple(IntentAlternative(intent=n, probability=p) for n, p in alternatives),
            )
            for text, label, row, alternatives in zip(texts, decided, proba, ranked, strict=True)
        ]

    def predict_one(self, text: str, *, top_k: int = 1) -> IntentPrediction:
        """The intent of one text."""
        return self.predict([text], top_k=top_k)[0]


def load_intent_model(
    directory: Path | str,
    *,
    backend: Backend | None = None,
    progress: ProgressCallback | None = None,
) -> IntentModel:
    """Shorthand for :meth:`IntentModel.load`."""
    return IntentModel.load(directory, backend=backend, progress=progress)


def check_texts(texts: Sequence[str]) -> None:
    """Refuse an empty or whitespace-only text, naming its position (1-based)."""
    for position, text in enumerate(texts, start=1):
        if not str(text).strip():
            raise DataError(
                f"text {position} of {len(texts)} is empty or whitespace only",
                hint="remove it or give the words of the message",
            )


def train_intent(
    data: Path,
    *,
    text_column: str,
    label_column: str,
    output: Path,
    config: IntentTrainingConfig,
    oos_label: str | None = None,
    overwrite: bool = False,
    cache_path: Path | None = None,
    progress: ProgressCallback | None = None,
) -> IntentManifest:
    """Fit an intent model on ``data`` and write it to ``output``; returns its manifest.

    ``overwrite`` allows replacing an existing model directory (never other files).
    A ``cuda`` device on a machine without a GPU is a ConfigError before any work.
    """
    device = resolve_device(config.device or "cpu")
    check_output(output, overwrite=overwrite)
    texts, labels = read_labelled_texts(data, text_column=text_column, label_column=label_column)
    if oos_label is not None and oos_label not in labels:
        raise DataError(
            f"{data}: no row of column {label_column!r} is labelled {oos_label!r} (--oos-label)",
            hint="give the label your out-of-scope rows carry, or leave --oos-label out",
        )
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
        device=device,
        progress=progress,
    )
    started = time.perf_counter()
    classifier.fit(texts, labels)
    metrics = IntentTrainingMetrics.from_manifest(
        {
            **classifier.fit_report_,
            "training_rows": len(texts),
            "classes": len(classifier.classes_),
            "training_seconds": round(time.perf_counter() - started, 1),
        }
    )
    manifest = classifier.save(
        output,
        metrics=metrics.model_dump(mode="json"),
        training_data_sha256=data_fingerprint(texts, labels),
        params={"config": config.model_dump(mode="json"), "data": str(data)},
        overwrite=overwrite,
    )
    return IntentManifest.from_manifest(manifest)


def evaluate_intent(
    model_dir: Path,
    data: Path,
    *,
    text_column: str,
    label_column: str,
    oos_label: str | None = None,
    backend: Backend | None = None,
    report: Path | None = None,
    progress: ProgressCallback | None = None,
) -> IntentEvaluation:
    """Score a saved model on a labelled file, and write a report folder if ``report`` is set."""
    from colloquy.evaluation import classification_metrics

    model = IntentModel.load(model_dir, backend=backend, progress=progress)
    texts, labels = read_labelled_texts(data, text_column=text_column, label_column=label_column)
    oos = oos_label or model.oos_label
    if oos is None:
        _check_known_labels(data, label_column, labels, model.labels)
    proba = model.classifier.predict_proba(texts)
    predicted = model.classifier.decide(proba)
    metrics = classification_metrics(
        labels,
        list(predicted),
        proba=proba if oos is None else None,
        classes=list(model.labels) if oos is None else None,
    )
    evaluation = _evaluation(metrics, np.asarray(labels), predicted, oos)
    if report is None:
        return evaluation
    title = f"Intent model {model_dir.name} on {data.name}"
    html = _write_report(metrics, evaluation, report, title)
    return evaluation.model_copy(update={"report": str(html)})


def _check_known_labels(
    data: Path, column: str, labels: Sequence[str], known: Sequence[str]
) -> None:
    unknown = sorted(set(labels) - set(known))
    if unknown:
        shown = ", ".join(repr(label) for label in unknown[:5])
        raise DataError(
            f"{data}: {len(unknown)} label(s) in column {column!r} are not intents of the "
            f"model: {shown}",
            hint="evaluate on rows labelled with the model's intents, or name the "
            "out-of-scope label with --oos-label",
        )


def _evaluation(
    metrics: ClassificationMetrics, labels: np.ndarray, predicted: np.ndarray, oos: str | None
) -> IntentEvaluation:
    fields: dict[str, Any] = {
        "n": metrics.n,
        "accuracy": metrics.accuracy,
        "macro_f1": metrics.macro_f1,
        "weighted_f1": metrics.weighted_f1,
    }
    if metrics.accuracy_ci is not None and metrics.macro_f1_ci is not None:
        fields["accuracy_ci95"] = (metrics.accuracy_ci.low, metrics.accuracy_ci.high)
        fields["macro_f1_ci95"] = (metrics.macro_f1_ci.low, metrics.macro_f1_ci.high)
    if metrics.calibration is not None:
        fields["ece"] = metrics.calibration.ece
    if oos is not None:
        fields.update(oos_scores(labels, predicted, oos))
    return IntentEvaluation(**fields)


def _write_report(
    metrics: ClassificationMetrics, evaluation: IntentEvaluation, folder: Path, title: str
) -> Path:
    from colloquy.evaluation import write_classification_report

    extra = evaluation.model_dump(mode="json", exclude_none=True)
    return write_classification_report(metrics, folder, title=title, extra=extra).html


def oos_scores(
    labels: np.ndarray, predicted: np.ndarray, oos_label: str
) -> dict[str, float | int | None]:
    """In-scope accuracy and out-of-scope recall and precision (``None`` when undefined)."""
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
) -> list[IntentPrediction]:
    """One-shot prediction: load the model in ``model_dir`` and classify ``texts``.

    A process that predicts more than once should keep an :class:`IntentModel` instead.
    """
    return IntentModel.load(model_dir, backend=backend).predict(texts, top_k=top_k)


def _share(mask: np.ndarray) -> float | None:
    return finite(float(mask.mean())) if mask.size else None
