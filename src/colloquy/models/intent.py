"""The intent classifier: what does each customer message want?

Three ways to turn a message into features, one head on top:

* ``tfidf`` — word and character n-grams; no neural network, trains in seconds;
* ``frozen`` — sentence embeddings from a pretrained encoder (all-MiniLM-L6-v2);
* ``contrastive`` — the same encoder first fine-tuned with in-batch-negatives contrastive
  learning on the training labels, then embedded.

Optionally the probabilities of a TF-IDF model are blended in (``tfidf_weight``): lexical
and semantic features make different mistakes, and the blend is chosen on validation data.

Out-of-scope rejection: rows labelled ``oos_label`` are not a class. They, with a held-out
slice of in-scope rows, tune a confidence threshold; at prediction time a message whose
best probability falls below it is labelled ``oos_label``.

A model directory (:mod:`colloquy.models.intent_artifact`) holds plain arrays and an int8
ONNX export of the encoder, and :meth:`IntentClassifier.load` serves from those by default:
a loaded model predicts without importing scikit-learn, skops or PyTorch.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np

from colloquy.errors import DataError, UsageError
from colloquy.features.embeddings import (
    DEFAULT_MODEL,
    CachedEmbedder,
    Embedder,
    EmbeddingCache,
    SentenceEmbedder,
    TfidfEmbedder,
)
from colloquy.features.embeddings.tfidf import TfidfTransform
from colloquy.models.choices import METHODS, Backend, Method
from colloquy.models.contrastive_config import ContrastiveConfig
from colloquy.models.heads import HeadName, PlainHead, make_head
from colloquy.models.intent_artifact import IntentState, load_intent, save_intent
from colloquy.models.intent_fitting import (
    blend_accuracies,
    check_training_data,
    fine_tune_encoder,
    fit_temperature,
    holdout_mask,
    tempered,
    tune_threshold,
    with_label_examples,
)
from colloquy.progress import ProgressCallback, renamed

_PARAMS = (
    "method",
    "head",
    "model",
    "backend",
    "C",
    "tfidf_weight",
    "oos_label",
    "oos_holdout",
    "label_examples",
    "contrastive",
    "cache_path",
    "work_dir",
    "seed",
    "device",
    "progress",
)


class IntentClassifier:
    """Text → intent, with scikit-learn's ``fit`` / ``predict`` / ``predict_proba`` contract."""

    def __init__(
        self,
        *,
        method: Method = "frozen",
        head: HeadName = "logreg",
        model: str | Path = DEFAULT_MODEL,
        backend: Backend = "torch",
        C: float = 10.0,  # noqa: N803
        tfidf_weight: float | Literal["auto"] = "auto",
        oos_label: str | None = None,
        oos_holdout: float = 0.1,
        label_examples: bool = False,
        contrastive: ContrastiveConfig | None = None,
        cache_path: Path | None = None,
        work_dir: Path | None = None,
        seed: int = 0,
        device: str = "cpu",
        progress: ProgressCallback | None = None,
    ) -> None:
        self.method = method
        self.head = head
        self.model = model
        self.backend = backend
        self.C = C
        self.tfidf_weight = tfidf_weight
        self.oos_label = oos_label
        self.oos_holdout = oos_holdout
        self.label_examples = label_examples
        self.contrastive = contrastive
        self.cache_path = cache_path
        self.work_dir = work_dir
        self.seed = seed
        self.device = device
        self.progress = progress

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor parameters, for ``sklearn.base.clone`` and tuning."""
        return {name: getattr(self, name) for name in _PARAMS}

    def set_params(self, **params: Any) -> Self:
        """Set constructor parameters by name; an unknown name is a :class:`UsageError`."""
        for name, value in params.items():
            if name not in _PARAMS:
                raise UsageError(
                    f"IntentClassifier has no parameter {name!r}", hint=f"use {', '.join(_PARAMS)}"
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        return f"IntentClassifier(method={self.method!r}, head={self.head!r})"

    # ------------------------------------------------------------------ fitting

    def fit(self, texts: Iterable[str], labels: Iterable[str]) -> Self:
        """Learn intents from ``texts`` and their ``labels``; returns ``self``."""
        texts_, labels_ = check_training_data(list(texts), list(labels), self.oos_label)
        self._check_params()
        real = np.ones(len(labels_), dtype=bool)
        if self.label_examples:
            texts_, labels_, real = with_label_examples(texts_, labels_, self.oos_label)
        in_scope = labels_ != self.oos_label if self.oos_label else np.ones(len(labels_), bool)
        calibration = np.zeros(len(labels_), dtype=bool)
        if self.oos_label is not None:
            calibration = holdout_mask(labels_, in_scope & real, self.oos_holdout, self.seed)
        fit_rows = in_scope & ~calibration
        # Rows for choosing the TF-IDF blend weight, carved before anything is learned so
        # that neither the fine-tuned encoder nor the heads that are compared have seen them.
        blend_rows = np.zeros(len(labels_), dtype=bool)
        if self.method != "tfidf" and self.tfidf_weight == "auto":
            blend_rows = holdout_mask(labels_, fit_rows & real, 0.1, self.seed + 2)
        self.encoder_dir_: Path | None = None
        if self.method == "contrastive":
            tune_rows = fit_rows & ~blend_rows
            self.encoder_dir_ = fine_tune_encoder(
                texts_[tune_rows],
                labels_[tune_rows],
                model=self.model,
                config=self.contrastive or ContrastiveConfig(seed=self.seed),
                work=self.work_dir or Path(tempfile.mkdtemp(prefix="colloquy-encoder-")),
                seed=self.seed,
                progress=self.progress,
                device=self.device,
            )
        self.embedder_ = self._make_embedder()
        features = self._features(texts_)
        self.fit_report_: dict[str, Any] = {}
        self.temperature_ = 1.0
        self.tfidf_weight_ = self._resolve_weight(features, labels_, fit_rows, blend_rows)
        self.threshold_: float | None = None
        if self.oos_label is not None:
            self._fit_heads(features, labels_, fit_rows, self.tfidf_weight_)
            rows = calibration | ~in_scope
            self.threshold_ = tune_threshold(
                self._calibrate(self._proba_from(features, rows, self.tfidf_weight_)),
                labels_[rows],
                self.classes_,
                self.oos_label,
            )
            self.fit_report_["oos_threshold"] = self.threshold_
        self._fit_heads(features, labels_, in_scope, self.tfidf_weight_)
        return self

    def _resolve_weight(
        self,
        features: dict[str, Any],
        labels: np.ndarray,
        rows: np.ndarray,
        validation: np.ndarray,
    ) -> float:
        """The TF-IDF share: fixed, or (``"auto"``) the best on the ``validation`` rows."""
        if self.method == "tfidf":
            return 1.0
        if self.tfidf_weight != "auto":
            return float(self.tfidf_weight)
        self._fit_heads(features, labels, rows & ~validation, 0.5)
        dense = self._proba_from(features, validation, 0.0)
        lexical = self._proba_from(features, validation, 1.0)
        truth = labels[validation]
        scores = blend_accuracies(dense, lexical, truth, self.classes_)
        best = max(scores, key=lambda w: (scores[w], -w))
        self.fit_report_["tfidf_weight_validation"] = {f"{w:.1f}": a for w, a in scores.items()}
        self.fit_report_["validation_accuracy"] = scores[best]
        self.fit_report_["tfidf_weight"] = best
        codes = np.searchsorted(self.classes_.astype(str), truth.astype(str))
        self.temperature_ = fit_temperature((1.0 - best) * dense + best * lexical, codes)
        self.fit_report_["temperature"] = self.temperature_
        return best

    def _check_params(self) -> None:
        if self.method not in METHODS:
            raise UsageError(
                f"unknown method {self.method!r}", hint=f"use one of {', '.join(METHODS)}"
            )
        weight = self.tfidf_weight
        if weight != "auto" and not 0.0 <= weight <= 1.0:
            raise UsageError(f"tfidf_weight must be in [0, 1] or 'auto', got {weight!r}")

    def _make_embedder(self) -> Embedder | None:
        if self.method == "tfidf":
            return None
        source = self.encoder_dir_ if self.encoder_dir_ is not None else self.model
        device = self.device if self.backend == "torch" else "cpu"
        embedder: Embedder = SentenceEmbedder(source, backend=self.backend, device=device)
        if self.cache_path is not None:
            embedder = CachedEmbedder(embedder, EmbeddingCache(self.cache_path))
        return embedder

    def _features(self, texts: np.ndarray) -> dict[str, Any]:
        """The inputs of the heads: the texts (for TF-IDF) and their embeddings."""
        features: dict[str, Any] = {"texts": texts}
        if self.embedder_ is not None:
            features["dense"] = self.embedder_.encode(
                list(texts), progress=self._report("embedding")
            )
        return features

    def _fit_heads(
        self, features: dict[str, Any], labels: np.ndarray, rows: np.ndarray, weight: float
    ) -> None:
        """Fit the dense head (when ``weight`` < 1) and the TF-IDF model (when > 0)."""
        fitted_labels = labels[rows]
        self.head_: Any = None
        self.tfidf_: TfidfEmbedder | TfidfTransform | None = None
        self.tfidf_head_: Any = None
        if "dense" in features and weight < 1.0:
            self.head_ = make_head(self.head, C=self.C, seed=self.seed, device=self.device)
            self.head_.fit(features["dense"][rows], fitted_labels)
            self.classes_ = np.asarray(self.head_.classes_, dtype=object)
        if weight > 0.0:
            texts = list(features["texts"][rows])
            self.tfidf_ = TfidfEmbedder().fit(texts)
            tfidf_head = "logreg" if self.head == "mlp" else self.head
            self.tfidf_head_ = make_head(tfidf_head, C=self.C, seed=self.seed)
            self.tfidf_head_.fit(self.tfidf_.transform(texts), fitted_labels)
            self.classes_ = np.asarray(self.tfidf_head_.classes_, dtype=object)

    def _proba_from(self, features: dict[str, Any], rows: np.ndarray, weight: float) -> np.ndarray:
        """Blend the dense and TF-IDF probabilities of ``rows`` (columns: :attr:`classes_`)."""
        total = np.zeros((int(rows.sum()), len(self.classes_)))
        if weight < 1.0:
            total += (1.0 - weight) * self.head_.predict_proba(features["dense"][rows])
        if weight > 0.0 and self.tfidf_ is not None:
            matrix = self.tfidf_.transform(list(features["texts"][rows]))
            total += weight * self.tfidf_head_.predict_proba(matrix)
        return total

    # --------------------------------------------------------------- prediction

    def predict_proba(self, texts: Iterable[str]) -> np.ndarray:
        """Probabilities over :attr:`classes_` (in-scope intents), one row per text.

        An empty or whitespace-only text is a :class:`DataError` naming its position:
        there is nothing to classify, and any label would be a confident guess.
        """
        if isinstance(texts, str):
            raise UsageError("expected a sequence of texts, got one string", hint="wrap it: [text]")
        array = np.asarray([str(text) for text in texts], dtype=object)
        blank = [i for i, text in enumerate(array) if not text.strip()]
        if blank:
            shown = ", ".join(str(i) for i in blank[:5]) + (", …" if len(blank) > 5 else "")
            raise DataError(
                f"{len(blank)} empty or whitespace-only text(s) to classify, at position(s) "
                f"{shown} (counting from 0)",
                hint="drop or fill empty texts before predicting",
            )
        if len(array) == 0:
            return np.zeros((0, len(self.classes_)))
        features = self._features(array)
        rows = np.ones(len(array), dtype=bool)
        return self._calibrate(self._proba_from(features, rows, self.tfidf_weight_))

    def _calibrate(self, proba: np.ndarray) -> np.ndarray:
        """Temperature-scale blended probabilities (the blend of two models is underconfident)."""
        if self.temperature_ == 1.0:
            return proba
        return tempered(proba, self.temperature_)

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Labels for rows of :meth:`predict_proba` (``oos_label`` below the threshold)."""
        predicted = self.classes_[proba.argmax(axis=1)] if len(proba) else self.classes_[:0]
        if self.oos_label is not None and self.threshold_ is not None and len(proba):
            predicted = np.where(proba.max(axis=1) < self.threshold_, self.oos_label, predicted)
        return np.asarray(predicted, dtype=object)

    def rank(self, proba: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """The ``k`` most likely intents of each row of :meth:`predict_proba`."""
        order = np.argsort(-proba, axis=1)[:, :k]
        return [
            [(str(self.classes_[j]), float(row[j])) for j in picks]
            for row, picks in zip(proba, order, strict=True)
        ]

    def predict(self, texts: Iterable[str]) -> np.ndarray:
        """The most likely intent per text (``oos_label`` when below the threshold)."""
        return self.decide(self.predict_proba(texts))

    def top_k(self, texts: Iterable[str], k: int = 3) -> list[list[tuple[str, float]]]:
        """The ``k`` most likely intents per text with their probabilities."""
        return self.rank(self.predict_proba(texts), k)

    # -------------------------------------------------------------- persistence

    def save(
        self,
        directory: Path | str,
        *,
        metrics: dict[str, Any] | None = None,
        training_data_sha256: str | None = None,
        params: dict[str, Any] | None = None,
        overwrite: bool = False,
    ) -> dict[str, Any]:
        """Write the fitted model to ``directory`` (atomically); returns its manifest.

        ``directory`` must be new or empty, or (with ``overwrite=True``) hold a colloquy
        model, which is then replaced; anything else is refused with an ArtifactError.
        """
        fields = {
            "training_data_sha256": training_data_sha256,
            "params": {"C": self.C, "seed": self.seed, **(params or {})},
            "metrics": metrics or {},
        }
        return save_intent(self._state(), Path(directory), overwrite=overwrite, fields=fields)

    def _state(self) -> IntentState:
        if not hasattr(self, "classes_"):
            raise UsageError("this IntentClassifier is not fitted yet; call fit() first")
        tfidf = self.tfidf_
        return IntentState(
            method=self.method,
            head=self.head,
            model=str(self.model),
            labels=tuple(str(label) for label in self.classes_),
            oos_label=self.oos_label,
            threshold=self.threshold_,
            tfidf_weight=self.tfidf_weight_,
            temperature=self.temperature_,
            dense_head=PlainHead.from_estimator(self.head_) if self.head_ is not None else None,
            tfidf=tfidf.export() if isinstance(tfidf, TfidfEmbedder) else tfidf,
            tfidf_head=(
                PlainHead.from_estimator(self.tfidf_head_) if self.tfidf_head_ is not None else None
            ),
            embedder=self.embedder_,
            encoder_dir=self.encoder_dir_,
        )

    @classmethod
    def load(
        cls,
        directory: Path | str,
        *,
        backend: Backend | None = None,
        progress: ProgressCallback | None = None,
    ) -> IntentClassifier:
        """A classifier saved by :meth:`save`, ready to predict many times.

        ``backend=None`` serves with the int8 ONNX encoder stored in the directory (no
        PyTorch), or with torch for a directory saved without one; ``"torch"`` and
        ``"onnx"`` load the sentence encoder itself.
        """
        state, manifest = load_intent(Path(directory).expanduser(), backend=backend)
        classifier = cls(
            method=state.method,  # type: ignore[arg-type]
            head=state.head,  # type: ignore[arg-type]
            model=state.model,
            backend=backend or ("onnx-int8" if state.embedder is not None else "torch"),
            oos_label=state.oos_label,
            progress=progress,
        )
        classifier._restore(state, dict(manifest.get("metrics") or {}))
        return classifier

    def _restore(self, state: IntentState, report: dict[str, Any]) -> None:
        self.encoder_dir_ = None
        self.classes_ = np.asarray(state.labels, dtype=object)
        self.threshold_ = state.threshold
        self.tfidf_weight_ = state.tfidf_weight
        self.temperature_ = state.temperature
        self.fit_report_ = report
        self.head_ = state.dense_head
        self.tfidf_ = state.tfidf
        self.tfidf_head_ = state.tfidf_head
        self.embedder_ = state.embedder

    def _report(self, stage: str) -> ProgressCallback | None:
        return None if self.progress is None else renamed(self.progress, stage)
