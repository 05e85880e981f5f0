"""The trainer seam: one adapter per library, each fitting prepared features to class codes.

A trainer sees numbers only (the preprocessor's matrix and the class codes ``0..k-1``);
the :class:`~colloquy.models.tabular.model.TabularModel` around it owns column names,
labels and the model directory. Iterative trainers report a validation score after every
boosting round or epoch through ``on_iteration(step, accuracy)`` — the hook tuning uses to
prune a hopeless trial, so whatever it raises (``optuna.TrialPruned``) propagates.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from colloquy.errors import ConfigError
from colloquy.models.artifacts import ModelDirectory
from colloquy.models.tabular.config import ParamValue

OnIteration = Callable[[int, float], None]
"""Called as ``on_iteration(step, accuracy)`` once per round or epoch (step from 0); the
accuracy is on the validation rows (higher is better), on the training rows without them."""


@dataclass(frozen=True, slots=True)
class Validation:
    """Held-out rows a trainer scores after each iteration: features and class codes."""

    features: Any
    codes: np.ndarray


class Trainer(ABC):
    """Fits a classifier to a feature matrix; saves and loads it as data-only files."""

    names: ClassVar[tuple[str, ...]]
    """The trainer names (``trainer.name`` in a pipeline file) this adapter serves."""

    def __init__(self, name: str, params: Mapping[str, ParamValue]) -> None:
        self.check_params(name, params)
        self.name = name
        self.params = dict(params)

    @classmethod
    def check_params(cls, name: str, params: Mapping[str, ParamValue]) -> None:
        """Refuse a parameter the estimator does not take, naming the ones it does."""
        allowed = cls.allowed_params(name)
        for key in params:
            if key not in allowed:
                raise ConfigError(
                    f"trainer.params.{key}: {name} has no parameter {key!r}",
                    hint=f"use one of {', '.join(sorted(allowed))}",
                )

    @classmethod
    @abstractmethod
    def allowed_params(cls, name: str) -> frozenset[str]:
        """The exact parameter names ``name`` accepts."""

    @abstractmethod
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
        """Fit on ``features`` and class codes ``0..n_classes-1``, seeded."""

    @abstractmethod
    def predict_proba(self, features: Any) -> np.ndarray:
        """Class probabilities, shape ``(rows, n_classes)``, columns in code order."""

    @abstractmethod
    def save(self, folder: Path) -> dict[str, Any]:
        """Write the fitted state into a staged model folder; return its manifest fields."""

    @classmethod
    @abstractmethod
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
        """The fitted trainer saved by :meth:`save`, read through ``model`` (hash-checked)."""


def accuracy(proba: np.ndarray, codes: np.ndarray) -> float:
    """Share of rows whose most probable code is the true one."""
    return float(np.mean(np.asarray(proba).argmax(axis=1) == codes)) if len(codes) else 0.0


def two_columns(proba: np.ndarray) -> np.ndarray:
    """A binary model's positive-class probabilities as the usual two columns."""
    values = np.asarray(proba, dtype=np.float64)
    if values.ndim == 1:
        return np.column_stack([1.0 - values, values])
    return values
