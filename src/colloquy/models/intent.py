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
from collections.abc import Iterable, Sequence
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
from colloquy.models.contrastive_config import ContrastiveConfig
from colloquy.models.heads import HeadName, PlainHead, make_head
from colloquy.models.intent_artifact import Backend, IntentState, load_intent, save_intent
from colloquy.progress import ProgressCallback, renamed

Method = Literal["tfidf", "frozen", "contrastive"]
MIN_PER_CLASS_FOR_EARLY_STOPPING = 30
"""Below this many examples per class, contrastive fine-tuning runs without early stopping."""
WEIGHT_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
METHODS: tuple[Method, ...] = ("tfidf", "frozen", "contrastive")
TEMPERATURE_BOUNDS = (0.25, 4.0)
"""The temperatures searched: at most a fourfold sharpening or flattening of the log-odds."""
MIN_TEMPERATURE_ROWS = 50
"""Below this many validation rows the temperature stays 1.0: too few to fit it on."""
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
        texts_, labels_ = _check_training_data(list(texts), list(labels), self.oos_label)
        self._check_params()
        real = np.ones(len(labels_), dtype=bool)
        if self.label_examples:
            texts_, labels_, real = _with_label_examples(texts_, labels_, self.oos_label)
        in_scope = labels_ != self.oos_label if self.oos_label else np.ones(len(labels_), bool)
        calibration = np.zeros(len(labels_), dtype=bool)
        if self.oos_label is not None:
            calibration = _holdout_mask(labels_, in_scope & real, self.oos_holdout, self.seed)
        fit_rows = in_scope & ~calibration
        # Rows for choosing the TF-IDF blend weight, carved before anything is learned so
        # that neither the fine-tuned encoder nor the heads that are compared have seen them.
        blend_rows = np.zeros(len(labels_), dtype=bool)
        if self.method != "tfidf" and self.tfidf_weight == "auto":
            blend_rows = _holdout_mask(labels_, fit_rows & real, 0.1, self.seed + 2)
        self.encoder_dir_: Path | None = None
        if self.method == "contrastive":
            tune_rows = fit_rows & ~blend_rows
            self.encoder_dir_ = self._fine_tune(texts_[tune_rows], labels_[tune_rows])
        self.embedder_ = self._make_embedder()
        features = self._features(texts_)
        self.fit_report_: dict[str, Any] = {}
        self.temperature_ = 1.0
        self.tfidf_weight_ = self._resolve_weight(features, labels_, fit_rows, blend_rows)
        self.threshold_: float | None = None
        if self.oos_label is not None:
            self._fit_heads(features, labels_, fit_rows, self.tfidf_weight_)
            rows = calibration | ~in_scope
            self.threshold_ = self._tune_threshold(
                self._calibrate(self._proba_from(features, rows, self.tfidf_weight_)),
                labels_[rows],
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
        scores = {}
        for weight in WEIGHT_GRID:
            blended = (1.0 - weight) * dense + weight * lexical
            scores[weight] = float((self.classes_[blended.argmax(axis=1)] == truth).mean())
        best = max(WEIGHT_GRID, key=lambda w: (scores[w], -w))
        self.fit_report_["tfidf_weight_validation"] = {f"{w:.1f}": a for w, a in scores.items()}
        self.fit_report_["validation_accuracy"] = scores[best]
        self.fit_report_["tfidf_weight"] = best
        codes = np.searchsorted(self.classes_.astype(str), truth.astype(str))
        self.temperature_ = _fit_temperature((1.0 - best) * dense + best * lexical, codes)
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

    def _fine_tune(self, texts: np.ndarray, labels: np.ndarray) -> Path:
        from colloquy.models.contrastive import ContrastiveTrainer

        work = self.work_dir or Path(tempfile.mkdtemp(prefix="colloquy-encoder-"))
        config = self.contrastive or ContrastiveConfig(seed=self.seed)
        trainer = ContrastiveTrainer(self.model, config, work, progress=self.progress)
        n_classes = len(np.unique(labels))
        if len(labels) < MIN_PER_CLASS_FOR_EARLY_STOPPING * n_classes:
            # A tenth of a few-shot set is one or two examples per class: too noisy to stop
            # on, and too precious to hold out. Train every epoch on everything instead.
            return trainer.fit(list(texts), list(labels)).model_dir
        train, validation = _validation_split(labels, 0.1, self.seed)
        result = trainer.fit(
            list(texts[train]),
            list(labels[train]),
            validation=(list(texts[validation]), list(labels[validation])),
        )
        return result.model_dir

    def _make_embedder(self) -> Embedder | None:
        if self.method == "tfidf":
            return None
        source = self.encoder_dir_ if self.encoder_dir_ is not None else self.model
        embedder: Embedder = SentenceEmbedder(source, backend=self.backend)
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
            self.head_ = make_head(self.head, C=self.C, seed=self.seed)
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

    def _tune_threshold(self, proba: np.ndarray, labels: np.ndarray) -> float:
        """The confidence cut that maximises accuracy over in-scope and out-of-scope rows."""
        best_prob = proba.max(axis=1)
        predicted = self.classes_[proba.argmax(axis=1)]
        is_oos = labels == self.oos_label
        candidates = np.unique(np.concatenate([[0.0], best_prob, [1.0]]))
        best_threshold, best_accuracy = 0.0, -1.0
        for threshold in candidates:
            rejected = best_prob < threshold
            correct = np.where(rejected, is_oos, ~is_oos & (predicted == labels))
            accuracy = float(correct.mean())
            if accuracy > best_accuracy:
                best_threshold, best_accuracy = float(threshold), accuracy
        return best_threshold

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
        return _tempered(proba, self.temperature_)

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


def _check_training_data(
    texts: Sequence[str], labels: Sequence[str], oos_label: str | None
) -> tuple[np.ndarray, np.ndarray]:
    if len(texts) != len(labels):
        raise DataError(f"{len(texts)} texts but {len(labels)} labels")
    texts_ = np.asarray([str(t) for t in texts], dtype=object)
    labels_ = np.asarray([str(label) for label in labels], dtype=object)
    empty = [i for i, text in enumerate(texts_) if not text.strip()]
    if empty:
        shown = ", ".join(str(i) for i in empty[:5])
        raise DataError(
            f"{len(empty)} empty texts (rows {shown}{', …' if len(empty) > 5 else ''})",
            hint="drop or fill empty rows before training",
        )
    present = set(labels_.tolist())
    if oos_label is not None and oos_label not in present:
        known = sorted(present)
        listed = ", ".join(repr(label) for label in known[:10])
        raise DataError(
            f"the out-of-scope label {oos_label!r} is not among the training labels "
            f"({listed}{', …' if len(known) > 10 else ''})",
            hint="pass one of those labels to --oos-label, or drop the option",
        )
    classes = present - ({oos_label} if oos_label else set())
    if len(classes) < 2:
        raise DataError(
            f"training data has {len(classes)} in-scope class(es); at least 2 are needed",
            hint="check --label-column and --oos-label",
        )
    return texts_, labels_


def _tempered(proba: np.ndarray, temperature: float) -> np.ndarray:
    logits = np.log(np.clip(proba, 1e-12, None)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    scaled = np.exp(logits)
    return np.asarray(scaled / scaled.sum(axis=1, keepdims=True))


def _fit_temperature(proba: np.ndarray, codes: np.ndarray) -> float:
    """The temperature in :data:`TEMPERATURE_BOUNDS` that minimises the validation log loss
    (a grid search; the curve is smooth and one-dimensional). Scaling never changes which
    class is most probable.

    It stays 1.0 when the validation slice is too small to fit it on, or when every row's
    most probable class is the right one: the loss then only falls as the temperature
    does, a search would end at its lower bound, and the model would claim near-certainty
    for any text, off-topic ones included.
    """
    if len(codes) < MIN_TEMPERATURE_ROWS or bool(np.all(proba.argmax(axis=1) == codes)):
        return 1.0
    best, best_loss = 1.0, np.inf
    rows = np.arange(len(codes))
    for temperature in np.geomspace(*TEMPERATURE_BOUNDS, 57):
        loss = -float(np.mean(np.log(_tempered(proba, temperature)[rows, codes] + 1e-12)))
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return best


def _with_label_examples(
    texts: np.ndarray, labels: np.ndarray, oos_label: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Append each class's name, in words (``card_arrival`` → "card arrival"), as one more
    training example, and a mask that is False for those synthetic rows.

    With a handful of examples per intent, the name is a strong extra example; it is
    never used for validation or threshold tuning.
    """
    names = [label for label in np.unique(labels) if label != oos_label]
    spoken = [" ".join(str(name).replace("_", " ").replace("-", " ").split()) for name in names]
    extra_texts = np.asarray(spoken, dtype=object)
    extra_labels = np.asarray(names, dtype=object)
    real = np.concatenate([np.ones(len(labels), dtype=bool), np.zeros(len(names), dtype=bool)])
    return (
        np.concatenate([texts, extra_texts]),
        np.concatenate([labels, extra_labels]),
        real,
    )


def _holdout_mask(
    labels: np.ndarray, in_scope: np.ndarray, fraction: float, seed: int
) -> np.ndarray:
    """A stratified ``fraction`` of the in-scope rows (at least one row of classes with ≥ 3)."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels[in_scope]):
        members = rng.permutation(np.flatnonzero((labels == label) & in_scope))
        n = round(len(members) * fraction)
        if len(members) >= 3:
            n = max(n, 1)
        mask[members[:n]] = True
    return mask


def _validation_split(
    labels: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    mask = _holdout_mask(labels, np.ones(len(labels), dtype=bool), fraction, seed + 1)
    return np.flatnonzero(~mask), np.flatnonzero(mask)
