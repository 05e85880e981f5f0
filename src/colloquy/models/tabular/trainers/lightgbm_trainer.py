"""LightGBM gradient-boosted trees, saved as LightGBM's own text model.

Training goes through ``lightgbm.train`` with a plain callback for the iteration hook.
Parameters use the scikit-learn wrapper's names (``n_estimators``, ``num_leaves``,
``colsample_bytree``…), which LightGBM's native API accepts as aliases. Runs are made
deterministic (``deterministic``, row-wise histograms, the seed for every random choice).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

import numpy as np

from colloquy.errors import ArtifactError
from colloquy.models.artifacts import ModelDirectory
from colloquy.models.tabular.config import ParamValue
from colloquy.models.tabular.trainers.base import (
    OnIteration,
    Trainer,
    Validation,
    two_columns,
)

MODEL_FILE = "lightgbm.txt"
ALLOWED = frozenset(
    {
        "boosting_type",
        "num_leaves",
        "max_depth",
        "learning_rate",
        "n_estimators",
        "subsample_for_bin",
        "min_split_gain",
        "min_child_weight",
        "min_child_samples",
        "subsample",
        "subsample_freq",
        "colsample_bytree",
        "reg_alpha",
        "reg_lambda",
        "n_jobs",
        "max_bin",
    }
)
"""The parameters a pipeline may set; the objective, metric and seed are colloquy's."""


class LightGBMTrainer(Trainer):
    """``lightgbm``: boosted trees; one ``on_iteration`` call per boosting round."""

    names = ("lightgbm",)

    @classmethod
    def allowed_params(cls, name: str) -> frozenset[str]:
        return ALLOWED

    def _native(self, n_classes: int, seed: int) -> tuple[dict[str, Any], int, str]:
        params = {k: v for k, v in self.params.items() if k != "n_estimators"}
        rounds = int(self.params.get("n_estimators") or 100)
        metric = "binary_error" if n_classes == 2 else "multi_error"
        native: dict[str, Any] = {
            "n_jobs": 1,
            **params,
            "seed": seed,
            "deterministic": True,
            "force_row_wise": True,
            "metric": metric,
            "verbosity": -1,
        }
        if n_classes == 2:
            native["objective"] = "binary"
        else:
            native["objective"] = "multiclass"
            native["num_class"] = n_classes
        return native, rounds, metric

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
        import lightgbm as lgb

        native, rounds, _ = self._native(n_classes, seed)
        train = lgb.Dataset(features, label=codes, params={"verbosity": -1})
        valid_sets: list[Any] = []
        callbacks: list[Any] = []
        if on_iteration is not None:
            held = (
                train
                if validation is None
                else lgb.Dataset(validation.features, label=validation.codes, reference=train)
            )
            valid_sets = [held]

            def report(env: Any) -> None:
                error = float(env.evaluation_result_list[0][2])
                on_iteration(env.iteration - env.begin_iteration, 1.0 - error)

            callbacks = [report]
        self.booster_ = lgb.train(
            native, train, num_boost_round=rounds, valid_sets=valid_sets, callbacks=callbacks
        )
        self.n_classes_ = n_classes
        return self

    def predict_proba(self, features: Any) -> np.ndarray:
        return two_columns(np.asarray(self.booster_.predict(features)))

    def save(self, folder: Path) -> dict[str, Any]:
        (folder / MODEL_FILE).write_text(self.booster_.model_to_string(), encoding="utf-8")
        return {"file": MODEL_FILE}

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
        import lightgbm as lgb

        trainer = cls(name, params)
        try:
            text = model.read_bytes(MODEL_FILE).decode("utf-8")
            booster = lgb.Booster(model_str=text)
        except (UnicodeDecodeError, lgb.basic.LightGBMError) as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ArtifactError(
                f"{model.path / MODEL_FILE} is corrupt: {message}", hint="retrain"
            ) from None
        if booster.num_feature() != n_features:
            raise ArtifactError(
                f"{model.path / MODEL_FILE} takes {booster.num_feature()} features, "
                f"the manifest says {n_features}",
                hint="retrain the model",
            )
        trainer.booster_ = booster
        trainer.n_classes_ = n_classes
        return trainer
