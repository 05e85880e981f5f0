"""The generic classification task, as a pipeline file declares it (``task: classification``).

A user's own table (churn, lead scoring, ticket routing) becomes a model without code: the
source of the rows, the target column, each feature column with its kind, how each kind is
prepared, and which trainer fits the result. Everything here is checked when the file is
read, before any data is touched; the trainer's parameters are checked against the
estimator itself by :func:`colloquy.models.tabular.trainers.check_trainer`.

Importing this module is cheap (no scikit-learn, no PyTorch), so reading a pipeline file
stays fast.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from colloquy.data.rows.source import RowSource

FeatureKind = Literal["numeric", "categorical", "text"]
ParamValue = bool | int | float | str | None

SKLEARN_TRAINERS = (
    "logistic_regression",
    "random_forest",
    "extra_trees",
    "gradient_boosting",
    "hist_gradient_boosting",
    "linear_svc",
    "knn",
    "naive_bayes",
    "sgd",
)
"""The scikit-learn estimators a trainer may name (exact names; see the sklearn trainer)."""
TRAINER_NAMES = (*SKLEARN_TRAINERS, "xgboost", "lightgbm", "torch_mlp")
"""Every trainer name a pipeline file may use."""

_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")

_FROZEN = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class FeatureSpec(BaseModel):
    """One input column and how to read it."""

    model_config = _FROZEN

    name: str = Field(min_length=1)
    """The column's name in the source."""
    kind: FeatureKind
    """``numeric`` (numbers), ``categorical`` (a few distinct values) or ``text`` (free text)."""


class NumericOptions(BaseModel):
    """How numeric columns are prepared: missing values filled, then scaled."""

    model_config = _FROZEN

    impute: Literal["mean", "median", "most_frequent", "constant"] = "median"
    """How a missing number is filled (learned on the training rows)."""
    fill_value: float = 0.0
    """The number used by ``impute: constant``."""
    scaling: Literal["standard", "minmax", "robust", "none"] = "standard"
    """``standard`` (zero mean, unit variance), ``minmax`` (0..1), ``robust`` (median, IQR)."""


class CategoricalOptions(BaseModel):
    """How categorical columns are prepared: missing values filled, then one-hot encoded."""

    model_config = _FROZEN

    impute: Literal["most_frequent", "constant"] = "constant"
    """How a missing value is filled; ``constant`` makes "missing" a category of its own."""
    fill_value: str = "missing"
    """The category used by ``impute: constant``."""
    min_frequency: Annotated[int, Field(ge=1)] | Annotated[float, Field(gt=0, lt=1)] | None = None
    """Categories rarer than this (a count, or a fraction of the rows) share one column."""
    max_categories: int | None = Field(default=None, ge=2)
    """At most this many columns per feature (the rarest categories grouped)."""


class TextOptions(BaseModel):
    """How text columns become numbers: TF-IDF, or a sentence embedder."""

    model_config = _FROZEN

    vectoriser: Literal["tfidf", "embedding"] = "tfidf"
    """``tfidf`` (word n-grams, fitted on the training rows) or ``embedding`` (sentence
    vectors from ``embedder``; nothing to fit)."""
    embedder: str = "sentence-transformers/all-MiniLM-L6-v2"
    """The sentence encoder for ``vectoriser: embedding``: a hub name or a local folder."""
    max_features: int | None = Field(default=20_000, ge=1)
    """TF-IDF vocabulary size (most frequent terms kept); ``None`` keeps every term."""
    ngram_max: int = Field(default=2, ge=1, le=3)
    """TF-IDF takes word n-grams from 1 up to this length."""
    min_df: int = Field(default=1, ge=1)
    """TF-IDF ignores terms found in fewer training rows than this."""
    sublinear_tf: bool = True
    """TF-IDF uses ``1 + log(tf)`` instead of raw counts."""


class CustomTransform(BaseModel):
    """A function of the user's own applied to columns before the standard preparation.

    The function takes a ``pandas.Series`` and returns one of the same length; it must not
    learn from the data (it is applied the same way at training and prediction time). A saved
    model records only its dotted path: loading the model imports it only when the caller
    trusts that exact path.
    """

    model_config = _FROZEN

    function: str
    """Dotted path of the function, ``package.module.function``."""
    columns: tuple[str, ...] = Field(min_length=1)
    """The feature columns it is applied to."""

    @field_validator("function")
    @classmethod
    def _dotted(cls, value: str) -> str:
        if not _DOTTED.match(value):
            raise ValueError(f"{value!r} is not a dotted path; write it as package.module.function")
        return value


class PreprocessingConfig(BaseModel):
    """Per-kind preparation; fitted on the training rows only and saved with the model."""

    model_config = _FROZEN

    numeric: NumericOptions = NumericOptions()
    categorical: CategoricalOptions = CategoricalOptions()
    text: TextOptions = TextOptions()
    custom: tuple[CustomTransform, ...] = ()
    """User functions by dotted path, applied in order before the per-kind steps."""


class TrainerSpec(BaseModel):
    """Which trainer fits the prepared rows, and its parameters."""

    model_config = _FROZEN

    name: str = "logistic_regression"
    """One of :data:`TRAINER_NAMES`."""
    params: dict[str, ParamValue] = Field(default_factory=dict)
    """The estimator's own parameters (e.g. ``C`` for logistic_regression, ``n_estimators``
    and ``learning_rate`` for xgboost); an unknown name is refused with the valid ones."""

    @field_validator("name")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in TRAINER_NAMES:
            raise ValueError(f"unknown trainer {value!r}; choose one of {', '.join(TRAINER_NAMES)}")
        return value

    def with_params(self, **params: ParamValue) -> TrainerSpec:
        """A copy with ``params`` merged over the declared ones (a tuning trial's choices)."""
        return TrainerSpec(name=self.name, params={**self.params, **params})


class ClassificationTaskConfig(BaseModel):
    """A classification task over any table: rows, target, features, preparation, trainer."""

    model_config = _FROZEN

    source: RowSource
    """Where the rows come from."""
    target: str = Field(min_length=1)
    """The column holding the class to predict."""
    features: tuple[FeatureSpec, ...] = Field(min_length=1)
    """The input columns, each with its kind."""
    preprocessing: PreprocessingConfig = PreprocessingConfig()
    trainer: TrainerSpec = TrainerSpec()
    validation_fraction: float = Field(default=0.2, gt=0, lt=1)
    """Share of the rows held out (stratified, seeded) to score the trained model."""

    @model_validator(mode="after")
    def _columns(self) -> ClassificationTaskConfig:
        seen: dict[str, int] = {}
        for index, feature in enumerate(self.features):
            if feature.name == self.target:
                raise ValueError(
                    f"features[{index}].name {feature.name!r} is the target column; "
                    "a model cannot learn its target from itself"
                )
            if feature.name in seen:
                raise ValueError(
                    f"features[{index}].name {feature.name!r} repeats "
                    f"features[{seen[feature.name]}]; declare each column once"
                )
            seen[feature.name] = index
        for index, custom in enumerate(self.preprocessing.custom):
            for column in custom.columns:
                if column not in seen:
                    raise ValueError(
                        f"preprocessing.custom[{index}].columns names {column!r}, which is "
                        "not a declared feature"
                    )
        return self

    def column_keys(self) -> dict[str, str]:
        """Each column read, by the key path that declares it (for error messages)."""
        keys = {feature.name: f"features[{i}].name" for i, feature in enumerate(self.features)}
        return {**keys, self.target: "target"}
