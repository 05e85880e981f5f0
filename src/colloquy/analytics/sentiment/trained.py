"""A trained sentiment model: sentence embeddings (and VADER's four scores) into a
logistic-regression head, every choice made by cross-validation on the training data.

VADER reads polarity words and intensifiers well but misses sarcasm, context and neutral
news; a frozen sentence encoder captures topic and tone but was never taught polarity.
Concatenating VADER's ``neg``/``neu``/``pos``/``compound`` to the embedding lets one linear
head use both. Whether to add them, the regularisation ``C`` and balanced class weights
(which favour macro recall on a skewed label mix) are picked by stratified k-fold macro
recall on the training texts alone.

Saved in colloquy's model-directory format (:mod:`colloquy.models.artifacts`)::

    manifest.json      kind ``sentiment``, labels, encoder (name, vector id, width), whether
                       VADER features are used, the chosen C and class weights, the
                       cross-validated macro recall, training rows
    head.safetensors   the head's weights (:class:`~colloquy.models.heads.PlainHead`)

The encoder itself is referenced by name (the bundled MiniLM by default), not copied.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from colloquy.analytics.sentiment.base import LABELS, SentimentLabel, SentimentModel, SentimentScore
from colloquy.analytics.sentiment.evaluation import score_predictions
from colloquy.analytics.sentiment.vader import VaderSentiment
from colloquy.errors import ArtifactError, ColloquyError, DataError
from colloquy.execution.folds import FoldData, FoldFit, run_folds
from colloquy.features.embeddings import Embedder, SentenceEmbedder
from colloquy.models.artifacts import open_model, staged_directory, write_arrays, write_model
from colloquy.models.heads import PlainHead

if TYPE_CHECKING:
    from colloquy.execution.base import ExecutionBackend

KIND = "sentiment"
HEAD = "head.safetensors"
VADER_WIDTH = 4
C_GRID = (0.25, 1.0, 4.0)


@dataclass(frozen=True, slots=True)
class SentimentChoice:
    """One candidate setting of the head, and its cross-validated macro recall."""

    vader_features: bool
    C: float
    balanced: bool
    cv_macro_recall: float


class TrainedSentiment(SentimentModel):
    """Embeddings (plus VADER's scores when chosen) through a fitted :class:`PlainHead`."""

    def __init__(
        self,
        embedder: Embedder,
        model_ref: str,
        head: PlainHead,
        *,
        vader_features: bool,
        choice: SentimentChoice,
        training_rows: int,
    ) -> None:
        if tuple(str(c) for c in head.classes_) != LABELS:
            raise ArtifactError(f"a sentiment head must score {', '.join(LABELS)} in that order")
        self.embedder = embedder
        self.model_ref = model_ref
        self.head = head
        self.vader_features = vader_features
        self.choice = choice
        self.training_rows = training_rows
        self._vader = VaderSentiment() if vader_features else None

    def predict(self, texts: Sequence[str]) -> list[SentimentScore]:
        if not texts:
            return []
        proba = self.head.predict_proba(self._features(texts))
        return [_score(row) for row in proba]

    def _features(self, texts: Sequence[str]) -> np.ndarray:
        return _features(self.embedder.encode(list(texts)), texts, self._vader)

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[SentimentLabel],
        *,
        embedder: Embedder,
        model_ref: str,
        folds: int = 5,
        seed: int = 0,
        execution: ExecutionBackend | None = None,
    ) -> TrainedSentiment:
        """Choose the features and head settings by stratified ``folds``-fold macro recall on
        ``texts``, then refit the best on all of them (the cross-validation's fits on
        ``execution``'s workers when given: a Ray or Dask backend)."""
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(labels, dtype=object)
        counts = {label: int(np.sum(y == label)) for label in LABELS}
        if min(counts.values()) < 2:
            raise DataError(
                f"training needs at least 2 texts of each sentiment, got {counts}",
                hint="add labelled examples of the missing classes",
            )
        embedded = embedder.encode(list(texts))
        polarity = VaderSentiment().polarity(texts)
        k = min(folds, *counts.values())
        candidates = [
            choice
            for vader in (False, True)
            for choice in _cross_validate(
                np.hstack([embedded, polarity]) if vader else embedded,
                y,
                vader=vader,
                folds=k,
                seed=seed,
                execution=execution,
            )
        ]
        best = max(candidates, key=lambda cand: cand.cv_macro_recall)
        X = np.hstack([embedded, polarity]) if best.vader_features else embedded  # noqa: N806
        estimator = LogisticRegression(
            C=best.C,
            class_weight="balanced" if best.balanced else None,
            max_iter=3000,
            random_state=seed,
        ).fit(X, y)
        return cls(
            embedder,
            model_ref,
            PlainHead.from_estimator(estimator),
            vader_features=best.vader_features,
            choice=best,
            training_rows=len(y),
        )

    def save(self, directory: Path, *, overwrite: bool = False) -> dict[str, Any]:
        """Write the model directory atomically; returns its manifest."""
        with staged_directory(directory, overwrite=overwrite) as staging:
            write_arrays(staging / HEAD, self.head.arrays)
            return write_model(
                staging,
                kind=KIND,
                labels=list(LABELS),
                head=self.head.kind,
                embedder={
                    "model": self.model_ref,
                    "model_id": self.embedder.model_id,
                    "dimension": self.embedder.dimension,
                },
                vader_features=self.vader_features,
                C=self.choice.C,
                balanced=self.choice.balanced,
                cv_macro_recall=self.choice.cv_macro_recall,
                training_rows=self.training_rows,
            )

    @classmethod
    def load(cls, directory: Path, *, embedder: Embedder | None = None) -> TrainedSentiment:
        """The model saved in ``directory``; its encoder is loaded by name unless given."""
        model = open_model(directory, kind=KIND)
        manifest = model.manifest
        try:
            vader = bool(manifest["vader_features"])
            width = int(manifest["embedder"]["dimension"])
            reference = str(manifest["embedder"]["model"])
            head = PlainHead.from_arrays(
                str(manifest["head"]),
                [str(label) for label in manifest["labels"]],
                model.read_arrays(HEAD),
                n_features=width + (VADER_WIDTH if vader else 0),
                where=model.path / HEAD,
            )
            choice = SentimentChoice(
                vader_features=vader,
                C=float(manifest["C"]),
                balanced=bool(manifest["balanced"]),
                cv_macro_recall=float(manifest["cv_macro_recall"]),
            )
            rows = int(manifest["training_rows"])
        except ColloquyError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(
                f"{directory / 'manifest.json'} is incomplete or malformed "
                f"({type(exc).__name__}: {exc})",
                hint="retrain the model",
            ) from None
        model.finish()
        if embedder is None:
            try:
                embedder = SentenceEmbedder(reference)
            except ColloquyError as exc:
                message = f"{directory}: cannot load its encoder: {exc.message}"
                raise ArtifactError(message) from None
        if embedder.dimension != width:
            raise ArtifactError(
                f"{directory}: its encoder gives {embedder.dimension}-wide vectors, the head "
                f"expects {width}",
                hint="retrain the model",
            )
        return cls(
            embedder, reference, head, vader_features=vader, choice=choice, training_rows=rows
        )


def _features(
    embedded: np.ndarray, texts: Sequence[str], vader: VaderSentiment | None
) -> np.ndarray:
    if vader is None:
        return embedded
    return np.hstack([embedded, vader.polarity(texts)])


def _score(row: np.ndarray) -> SentimentScore:
    negative, neutral, positive = (float(p) for p in row)
    return SentimentScore(
        label=LABELS[int(np.argmax(row))],
        negative=negative,
        neutral=neutral,
        positive=positive,
        compound=max(-1.0, min(1.0, positive - negative)),
    )


def _cross_validate(
    X: np.ndarray,  # noqa: N803
    y: np.ndarray,
    *,
    vader: bool,
    folds: int,
    seed: int,
    execution: ExecutionBackend | None,
) -> list[SentimentChoice]:
    """Every setting of ``C`` and class weights on ``X``, by stratified k-fold macro recall;
    the fits of all settings and folds are one map (on ``execution`` when given)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    splits = list(splitter.split(X, y))
    settings = [(c, balanced) for c in C_GRID for balanced in (False, True)]
    jobs = [
        FoldFit(
            LogisticRegression(
                C=c,
                class_weight="balanced" if balanced else None,
                max_iter=3000,
                random_state=seed,
            ),
            fold,
            output="label",
        )
        for c, balanced in settings
        for fold in range(len(splits))
    ]
    labels = run_folds(FoldData(X, y, splits), jobs, execution)
    choices = []
    for number, (c, balanced) in enumerate(settings):
        predicted = np.empty(len(y), dtype=object)
        for fold, (_, test) in enumerate(splits):
            predicted[test] = labels[number * len(splits) + fold]
        recall = score_predictions(list(y), list(predicted), model="cv").macro_recall
        choices.append(
            SentimentChoice(vader_features=vader, C=c, balanced=balanced, cv_macro_recall=recall)
        )
    return choices
