"""A classifier over declared table columns: input schema, preparation and a trainer in one.

:class:`TabularModel` follows scikit-learn's estimator contract: the constructor stores the
declaration, :meth:`TabularModel.fit` learns (``_``-suffixed attributes), and prediction
first checks the rows against the :class:`~colloquy.models.tabular.schema.InputSchema`
training saw. Class labels are strings (a ``0``/``1`` target predicts ``"0"``/``"1"``), as
colloquy's metrics expect.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from colloquy.errors import DataError, UsageError
from colloquy.features.embeddings import Embedder
from colloquy.models.tabular.config import (
    ClassificationTaskConfig,
    FeatureSpec,
    PreprocessingConfig,
    TrainerSpec,
)
from colloquy.models.tabular.functions import ColumnFunction, apply_functions, import_functions
from colloquy.models.tabular.preprocessing import Matrix, Preprocessor
from colloquy.models.tabular.schema import InputSchema, coerce
from colloquy.models.tabular.trainers import OnIteration, Trainer, Validation, make_trainer


class TabularModel:
    """Predicts a class from declared numeric, categorical and text columns."""

    def __init__(
        self,
        features: Sequence[FeatureSpec],
        *,
        preprocessing: PreprocessingConfig | None = None,
        trainer: TrainerSpec | None = None,
        seed: int = 0,
        embedder: Embedder | None = None,
        functions: Sequence[ColumnFunction] | None = None,
    ) -> None:
        if not features:
            raise UsageError("a tabular model needs at least one feature column")
        self.features = tuple(features)
        self.preprocessing = preprocessing or PreprocessingConfig()
        self.trainer = trainer or TrainerSpec()
        self.seed = seed
        self.embedder = embedder
        self.functions = (
            tuple(functions)
            if functions is not None
            else import_functions(self.preprocessing.custom)
        )
        make_trainer(self.trainer)

    @classmethod
    def from_config(
        cls, config: ClassificationTaskConfig, *, seed: int = 0, embedder: Embedder | None = None
    ) -> TabularModel:
        """An unfitted model as a pipeline file's classification task declares it."""
        return cls(
            config.features,
            preprocessing=config.preprocessing,
            trainer=config.trainer,
            seed=seed,
            embedder=embedder,
        )

    def fit(
        self,
        frame: pd.DataFrame,
        target: str,
        *,
        validation: pd.DataFrame | None = None,
        on_iteration: OnIteration | None = None,
    ) -> Self:
        """Learn from the rows of ``frame``, whose column ``target`` holds the classes.

        ``validation`` rows (same columns) are what iterative trainers score after every
        round or epoch for ``on_iteration``; they are never learned from.
        """
        labels = _labels(frame, target, where="the training rows")
        self.classes_ = np.asarray(sorted(set(labels)), dtype=object)
        if len(self.classes_) < 2:
            raise DataError(
                f"column {target!r} holds one class only ({self.classes_[0]!r})",
                hint="a classifier needs rows of at least two classes",
            )
        self.target_ = target
        self.input_schema_ = InputSchema.from_frame(frame, self.features)
        self.preprocessor_ = Preprocessor(self.features, self.preprocessing, embedder=self.embedder)
        matrix = self.preprocessor_.fit_transform(self._prepare(frame, "the training rows"))
        held = None
        if validation is not None:
            held_labels = _labels(validation, target, where="the validation rows")
            held_matrix = self._matrix(validation, "the validation rows")
            held = Validation(held_matrix, self._codes(held_labels))
        trainer: Trainer = make_trainer(self.trainer)
        self.trainer_ = trainer.fit(
            matrix,
            self._codes(labels),
            n_classes=len(self.classes_),
            seed=self.seed,
            validation=held,
            on_iteration=on_iteration,
        )
        self.n_features_ = int(matrix.shape[1])
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Class probabilities, one row per input row, columns in :attr:`classes_` order."""
        self._check_fitted()
        return self.trainer_.predict_proba(self._matrix(frame, "the input"))

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """The most probable class of each row (strings)."""
        return np.asarray(self.classes_[self.predict_proba(frame).argmax(axis=1)])

    def save(self, directory: Path | str, *, overwrite: bool = False) -> Path:
        """Write the fitted model as a colloquy model directory (kind ``tabular``)."""
        from colloquy.models.tabular.artifact import save_tabular

        self._check_fitted()
        return save_tabular(self, Path(directory), overwrite=overwrite)

    @classmethod
    def load(
        cls,
        directory: Path | str,
        *,
        trusted_functions: Collection[str] = (),
        embedder: Embedder | None = None,
    ) -> TabularModel:
        """A saved model; custom functions it names are imported only when
        ``trusted_functions`` lists their exact dotted paths."""
        from colloquy.models.tabular.artifact import load_tabular

        return load_tabular(Path(directory), trusted_functions=trusted_functions, embedder=embedder)

    def _matrix(self, frame: pd.DataFrame, where: str) -> Matrix:
        return self.preprocessor_.transform(self._prepare(frame, where))

    def _prepare(self, frame: pd.DataFrame, where: str) -> pd.DataFrame:
        prepared = self.input_schema_.prepare(frame, where=where)
        if not self.preprocessing.custom:
            return prepared
        changed = apply_functions(prepared, self.preprocessing.custom, self.functions)
        kinds = {f.name: f.kind for f in self.features}
        return pd.DataFrame(
            {name: coerce(changed[name], kinds[name], where=where) for name in changed.columns},
            index=changed.index,
        )

    def _codes(self, labels: Sequence[str]) -> np.ndarray:
        index = {label: code for code, label in enumerate(self.classes_)}
        return np.asarray([index.get(label, -1) for label in labels], dtype=np.int64)

    def _check_fitted(self) -> None:
        if not hasattr(self, "trainer_"):
            raise UsageError("this TabularModel is not fitted", hint="call fit() or load() first")

    def __repr__(self) -> str:
        names = ", ".join(f"{f.name}:{f.kind}" for f in self.features)
        return f"TabularModel({names}; trainer={self.trainer.name})"


def _labels(frame: pd.DataFrame, target: str, *, where: str) -> list[str]:
    if target not in frame.columns:
        raise DataError(
            f"target column {target!r} is missing from {where}",
            hint="check 'target' in the pipeline file",
        )
    values = frame[target]
    missing = int(values.isna().sum())
    if missing:
        raise DataError(
            f"target column {target!r} has {missing} missing values in {where}",
            hint="drop or label those rows",
        )
    return label_strings(values)


def label_strings(values: pd.Series) -> list[str]:
    """Class labels as strings (a whole float ``1.0`` is ``"1"``, as in an integer column)."""
    return [_label(value) for value in values.tolist()]


def _label(value: Any) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)
