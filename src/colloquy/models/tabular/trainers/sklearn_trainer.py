"""scikit-learn estimators, chosen by name from an exact allow-list and saved with skops.

Only estimators whose fitted state skops can restore from data alone (with colloquy's
type allow-list) are offered, and each is built so: k-nearest neighbours always search by
brute force (a KD-tree would need a pickled tree type), a linear SVM is wrapped in Platt
calibration so that it has probabilities.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Self

import numpy as np

from colloquy.errors import ArtifactError, ConfigError
from colloquy.models.artifacts import ModelDirectory, dump_sklearn
from colloquy.models.tabular.config import SKLEARN_TRAINERS, ParamValue
from colloquy.models.tabular.trainers.base import OnIteration, Trainer, Validation, accuracy

ESTIMATOR_FILE = "estimator.skops"
_FIXED: dict[str, frozenset[str]] = {
    "knn": frozenset({"algorithm", "leaf_size"}),
    "linear_svc": frozenset(),
}
"""Parameters colloquy sets itself, per estimator (``random_state`` is the seed for all)."""
_DENSE = frozenset({"hist_gradient_boosting", "naive_bayes"})
"""Estimators that refuse sparse input (TF-IDF columns are densified for them)."""
_PROBA_LOSSES = frozenset({"log_loss", "modified_huber"})
_CLASSES = {
    "logistic_regression": "LogisticRegression",
    "random_forest": "RandomForestClassifier",
    "extra_trees": "ExtraTreesClassifier",
    "gradient_boosting": "GradientBoostingClassifier",
    "hist_gradient_boosting": "HistGradientBoostingClassifier",
    "linear_svc": "CalibratedClassifierCV",
    "knn": "KNeighborsClassifier",
    "naive_bayes": "GaussianNB",
    "sgd": "SGDClassifier",
}
"""The class each trainer name saves, checked on load (a skops file may hold any trusted type)."""


def _factory(name: str) -> Callable[..., Any]:
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import LinearSVC

    factories: dict[str, Callable[..., Any]] = {
        "logistic_regression": lambda **p: LogisticRegression(**{"max_iter": 2000, **p}),
        "random_forest": RandomForestClassifier,
        "extra_trees": ExtraTreesClassifier,
        "gradient_boosting": GradientBoostingClassifier,
        "hist_gradient_boosting": HistGradientBoostingClassifier,
        "linear_svc": lambda **p: LinearSVC(**{"max_iter": 20_000, **p}),
        "knn": lambda **p: KNeighborsClassifier(algorithm="brute", **p),
        "naive_bayes": GaussianNB,
        "sgd": lambda **p: SGDClassifier(**{"loss": "log_loss", **p}),
    }
    return factories[name]


def build_estimator(name: str, params: Mapping[str, ParamValue], *, seed: int) -> Any:
    """The unfitted estimator ``name`` with ``params`` (and ``seed`` as its random state),
    its parameter values checked by scikit-learn's own constraints."""
    factory = _factory(name)
    base = factory(**params)
    if "random_state" in base.get_params():
        base.set_params(random_state=seed)
    try:
        base._validate_params()
    except ValueError as exc:
        raise ConfigError(
            f"trainer.params of {name}: {str(exc).splitlines()[0]}",
            hint="fix the value in the pipeline file",
        ) from None
    if name == "sgd" and base.loss not in _PROBA_LOSSES:
        raise ConfigError(
            f"trainer.params.loss: sgd with loss {base.loss!r} gives no probabilities",
            hint=f"use one of {', '.join(sorted(_PROBA_LOSSES))}",
        )
    if name == "linear_svc":
        from sklearn.calibration import CalibratedClassifierCV

        return CalibratedClassifierCV(base, cv=3, method="sigmoid")
    return base


class SklearnTrainer(Trainer):
    """Any estimator of :data:`~colloquy.models.tabular.config.SKLEARN_TRAINERS`.

    Not iterative: ``on_iteration`` is called once, as step 0, after the fit.
    """

    names = SKLEARN_TRAINERS

    @classmethod
    def allowed_params(cls, name: str) -> frozenset[str]:
        if name not in SKLEARN_TRAINERS:
            raise ConfigError(f"{name!r} is not a scikit-learn trainer")
        known = set(_factory(name)().get_params())
        return frozenset(known - {"random_state"} - _FIXED.get(name, frozenset()))

    def fit(
        self,
        features: Any,
        codes: np.ndarray,
        *,
        n_classes: int,
        seed: int,
        validation: Validation | None = None,
        on_iteration: OnIteration | None = None,
    ) -> Self:
        self.estimator_ = build_estimator(self.name, self.params, seed=seed)
        self.estimator_.fit(self._input(features), codes)
        if on_iteration is not None:
            held = validation or Validation(features, codes)
            on_iteration(0, accuracy(self.predict_proba(held.features), held.codes))
        return self

    def _input(self, features: Any) -> Any:
        if self.name in _DENSE and hasattr(features, "toarray"):
            return features.toarray()
        return features

    def predict_proba(self, features: Any) -> np.ndarray:
        return np.asarray(self.estimator_.predict_proba(self._input(features)), dtype=np.float64)

    def save(self, folder: Path) -> dict[str, Any]:
        dump_sklearn(self.estimator_, folder / ESTIMATOR_FILE)
        return {"file": ESTIMATOR_FILE}

    @classmethod
    def load(
        cls,
        name: str,
        params: Mapping[str, ParamValue],
        model: ModelDirectory,
        fields: Mapping[str, Any],
        *,
        n_classes: int,
        n_features: int,
    ) -> Self:
        trainer = cls(name, params)
        estimator = model.read_sklearn(ESTIMATOR_FILE)
        classes = getattr(estimator, "classes_", None)
        width = getattr(estimator, "n_features_in_", n_features)
        if type(estimator).__name__ != _CLASSES[name]:
            raise ArtifactError(
                f"{model.path / ESTIMATOR_FILE} holds a {type(estimator).__name__}, "
                f"not the {_CLASSES[name]} of trainer {name}",
                hint="retrain the model",
            )
        if classes is None or len(classes) != n_classes or width != n_features:
            raise ArtifactError(
                f"{model.path / ESTIMATOR_FILE} does not fit the manifest "
                f"({n_classes} classes, {n_features} features)",
                hint="retrain the model",
            )
        trainer.estimator_ = estimator
        return trainer
