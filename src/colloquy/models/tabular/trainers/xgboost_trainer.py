"""XGBoost gradient-boosted trees (the CPU-only ``xgboost-cpu`` wheel), saved as XGBoost's
own JSON model.

Training goes through ``xgboost.train`` so that the iteration hook is a plain callback
(the scikit-learn wrapper copies its callbacks, and with them whatever they hold).
Parameters use the scikit-learn wrapper's names (``n_estimators``, ``learning_rate``,
``reg_lambda``…), which XGBoost's native API accepts as aliases.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

import numpy as np

from colloquy.errors import ArtifactError
from colloquy.extras import require
from colloquy.models.artifacts import ModelDirectory
from colloquy.models.tabular.config import ParamValue
from colloquy.models.tabular.trainers.base import (
    OnIteration,
    Trainer,
    Validation,
    two_columns,
)

MODEL_FILE = "xgboost.json"
ALLOWED = frozenset(
    {
        "n_estimators",
        "max_depth",
        "max_leaves",
        "max_bin",
        "grow_policy",
        "learning_rate",
        "booster",
        "tree_method",
        "n_jobs",
        "gamma",
        "min_child_weight",
        "max_delta_step",
        "subsample",
        "sampling_method",
        "colsample_bytree",
        "colsample_bylevel",
        "colsample_bynode",
        "reg_alpha",
        "reg_lambda",
        "scale_pos_weight",
        "max_cat_to_onehot",
    }
)
"""The parameters a pipeline may set; the objective, metric, device and seed are colloquy's."""


def _callback(on_iteration: OnIteration, metric: str) -> Any:
    import xgboost as xgb

    class _Report(xgb.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            error = float(evals_log["validation"][metric][-1])
            on_iteration(epoch, 1.0 - error)
            return False

    return _Report()


class XGBoostTrainer(Trainer):
    """``xgboost``: boosted trees; one ``on_iteration`` call per boosting round."""

    names = ("xgboost",)

    @classmethod
    def allowed_params(cls, name: str) -> frozenset[str]:
        return ALLOWED

    def _native(self, n_classes: int, seed: int) -> tuple[dict[str, Any], int, str]:
        params = {k: v for k, v in self.params.items() if k not in ("n_estimators", "n_jobs")}
        rounds = int(self.params.get("n_estimators") or 100)
        metric = "error" if n_classes == 2 else "merror"
        native: dict[str, Any] = {
            "tree_method": "hist",
            **params,
            "device": "cpu",
            "seed": seed,
            "eval_metric": metric,
            "verbosity": 0,
        }
        if self.params.get("n_jobs") is not None:
            native["nthread"] = self.params["n_jobs"]
        if n_classes == 2:
            native["objective"] = "binary:logistic"
        else:
            native["objective"] = "multi:softprob"
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
        xgb = require("xgboost", extra="pipelines", feature="the xgboost trainer")
        native, rounds, metric = self._native(n_classes, seed)
        train = xgb.DMatrix(features, label=codes)
        held = train if validation is None else xgb.DMatrix(validation.features, validation.codes)
        callbacks = [] if on_iteration is None else [_callback(on_iteration, metric)]
        self.booster_ = xgb.train(
            native,
            train,
            num_boost_round=rounds,
            evals=[(held, "validation")] if on_iteration is not None else [],
            callbacks=callbacks,
            verbose_eval=False,
        )
        self.n_classes_ = n_classes
        return self

    def predict_proba(self, features: Any) -> np.ndarray:
        import xgboost as xgb

        return two_columns(self.booster_.predict(xgb.DMatrix(features)))

    def save(self, folder: Path) -> dict[str, Any]:
        (folder / MODEL_FILE).write_bytes(bytes(self.booster_.save_raw(raw_format="json")))
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
        xgb = require("xgboost", extra="pipelines", feature="an xgboost model")

        trainer = cls(name, params)
        booster = xgb.Booster()
        try:
            booster.load_model(bytearray(model.read_bytes(MODEL_FILE)))
        except xgb.core.XGBoostError as exc:
            message = str(exc).splitlines()[0]
            raise ArtifactError(
                f"{model.path / MODEL_FILE} is corrupt: {message}", hint="retrain"
            ) from None
        if booster.num_features() != n_features:
            raise ArtifactError(
                f"{model.path / MODEL_FILE} takes {booster.num_features()} features, "
                f"the manifest says {n_features}",
                hint="retrain the model",
            )
        trainer.booster_ = booster
        trainer.n_classes_ = n_classes
        return trainer
