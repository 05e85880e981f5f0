"""Every trainer fits the churn table, saves, loads and predicts identically, deterministically,
and the iterative ones report each round or epoch to the tuning hook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
import pytest

from colloquy.models.tabular import TRAINER_NAMES, TabularModel, TrainerSpec
from colloquy.models.tabular.trainers.sklearn_trainer import ESTIMATOR_FILE

from .conftest import CHURN_FEATURES

SMALL: dict[str, dict[str, Any]] = {
    "random_forest": {"n_estimators": 15},
    "extra_trees": {"n_estimators": 15},
    "gradient_boosting": {"n_estimators": 15},
    "hist_gradient_boosting": {"max_iter": 15},
    "xgboost": {"n_estimators": 12, "max_depth": 3},
    "lightgbm": {"n_estimators": 12, "num_leaves": 7},
    "torch_mlp": {"epochs": 6, "hidden": 32, "patience": 100},
}
SAVED_FILE = {"xgboost": "xgboost.json", "lightgbm": "lightgbm.txt", "torch_mlp": "mlp.safetensors"}
ITERATIONS = {"xgboost": 12, "lightgbm": 12, "torch_mlp": 6}


def _model(name: str, seed: int = 3) -> TabularModel:
    return TabularModel(
        CHURN_FEATURES, trainer=TrainerSpec(name=name, params=SMALL.get(name, {})), seed=seed
    )


@pytest.mark.parametrize("name", TRAINER_NAMES)
def test_fit_save_load_predicts_identically(name: str, churn: pd.DataFrame, tmp_path: Path) -> None:
    train, test = churn.iloc[:180], churn.iloc[180:]
    model = _model(name).fit(train, "churn")
    proba = model.predict_proba(test)
    assert proba.shape == (len(test), 2)
    assert np.allclose(proba.sum(axis=1), 1.0)
    accuracy = float(np.mean(model.predict(test) == test["churn"].astype(str).to_numpy()))
    assert accuracy > 0.6, f"{name} learned nothing: {accuracy:.2f}"

    saved = model.save(tmp_path / name)
    assert (saved / SAVED_FILE.get(name, ESTIMATOR_FILE)).is_file()
    assert (saved / "preprocessor.skops").is_file()
    loaded = TabularModel.load(saved)
    assert np.array_equal(loaded.predict_proba(test), proba)
    assert loaded.classes_.tolist() == ["0", "1"]
    assert loaded.input_schema_ == model.input_schema_


@pytest.mark.parametrize("name", TRAINER_NAMES)
def test_same_data_and_seed_give_identical_predictions(name: str, churn: pd.DataFrame) -> None:
    train, test = churn.iloc[:180], churn.iloc[180:]
    first = _model(name).fit(train, "churn").predict_proba(test)
    second = _model(name).fit(train, "churn").predict_proba(test)
    assert np.array_equal(first, second)


@pytest.mark.parametrize("name", sorted(ITERATIONS))
def test_iterative_trainers_report_every_iteration(name: str, churn: pd.DataFrame) -> None:
    train, validation = churn.iloc[:180], churn.iloc[180:]
    reports: list[tuple[int, float]] = []
    model = _model(name).fit(
        train, "churn", validation=validation, on_iteration=lambda s, a: reports.append((s, a))
    )
    assert [step for step, _ in reports] == list(range(ITERATIONS[name]))
    assert all(0.0 <= accuracy <= 1.0 for _, accuracy in reports)
    if name != "torch_mlp":  # the MLP keeps its best epoch; boosting keeps every round
        truth = validation["churn"].astype(str).to_numpy()
        final = float(np.mean(model.predict(validation) == truth))
        assert reports[-1][1] == pytest.approx(final)


@pytest.mark.parametrize("name", [*sorted(ITERATIONS), "logistic_regression"])
def test_what_the_hook_raises_stops_training(name: str, churn: pd.DataFrame) -> None:
    calls: list[int] = []

    def prune(step: int, accuracy: float) -> None:
        calls.append(step)
        if step == 1 or name == "logistic_regression":
            raise optuna.TrialPruned(f"pruned at {step}")

    with pytest.raises(optuna.TrialPruned):
        _model(name).fit(churn.iloc[:180], "churn", validation=churn.iloc[180:], on_iteration=prune)
    assert calls == ([0] if name == "logistic_regression" else [0, 1])


def test_a_multiclass_target_predicts_every_class(churn: pd.DataFrame) -> None:
    frame = churn.dropna(subset=["plan"]).reset_index(drop=True)
    features = [f for f in CHURN_FEATURES if f.name != "plan"]
    for name in ("xgboost", "lightgbm", "torch_mlp", "linear_svc"):
        model = TabularModel(features, trainer=TrainerSpec(name=name, params=SMALL.get(name, {})))
        proba = model.fit(frame, "plan").predict_proba(frame)
        assert proba.shape == (len(frame), 3), name
        assert model.classes_.tolist() == ["basic", "pro", "team"]


@pytest.mark.parametrize("name", sorted(ITERATIONS))
def test_without_validation_rows_the_hook_scores_the_training_rows(
    name: str, churn: pd.DataFrame
) -> None:
    reports: list[tuple[int, float]] = []
    _model(name).fit(churn, "churn", on_iteration=lambda s, a: reports.append((s, a)))
    assert [step for step, _ in reports] == list(range(ITERATIONS[name]))
    assert reports[-1][1] > 0.6
