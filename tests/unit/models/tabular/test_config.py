"""The classification task's configuration: what a pipeline file may say, refused up front."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from colloquy.errors import ConfigError
from colloquy.models.tabular import ClassificationTaskConfig, TrainerSpec, check_trainer

BASE: dict[str, Any] = {
    "source": {"path": "customers.csv"},
    "target": "churn",
    "features": [{"name": "tenure", "kind": "numeric"}, {"name": "plan", "kind": "categorical"}],
}


def _config(**changes: Any) -> ClassificationTaskConfig:
    return ClassificationTaskConfig.model_validate({**BASE, **changes})


def test_defaults_make_a_tfidf_logistic_regression_task() -> None:
    config = _config()
    assert config.trainer.name == "logistic_regression"
    assert config.preprocessing.text.vectoriser == "tfidf"
    assert config.column_keys() == {
        "tenure": "features[0].name",
        "plan": "features[1].name",
        "churn": "target",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"features": []}, "at least 1 item"),
        ({"features": [{"name": "churn", "kind": "numeric"}]}, "is the target column"),
        (
            {"features": [{"name": "a", "kind": "numeric"}, {"name": "a", "kind": "text"}]},
            r"features\[1\]\.name 'a' repeats features\[0\]",
        ),
        ({"features": [{"name": "a", "kind": "date"}]}, "'numeric', 'categorical' or 'text'"),
        ({"trainer": {"name": "catboost"}}, "unknown trainer 'catboost'"),
        ({"validation_fraction": 1.0}, "less than 1"),
        ({"preprocessing": {"numeric": {"scaling": "log"}}}, "'standard', 'minmax'"),
        ({"preprocessing": {"text": {"vectoriser": "bow"}}}, "'tfidf' or 'embedding'"),
        (
            {"preprocessing": {"custom": [{"function": "lower", "columns": ["plan"]}]}},
            "not a dotted path",
        ),
        (
            {"preprocessing": {"custom": [{"function": "numpy.log1p", "columns": ["age"]}]}},
            r"custom\[0\]\.columns names 'age', which is not a declared feature",
        ),
        ({"extra": 1}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_tasks_are_refused_with_the_key(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _config(**changes)


def test_trainer_parameters_are_checked_against_the_estimator() -> None:
    check_trainer(TrainerSpec(name="random_forest", params={"n_estimators": 5}))
    with pytest.raises(ConfigError, match=r"trainer\.params\.n_trees: random_forest has no"):
        check_trainer(TrainerSpec(name="random_forest", params={"n_trees": 5}))
    with pytest.raises(ConfigError, match=r"trainer\.params of logistic_regression: .*'C'"):
        check_trainer(TrainerSpec(name="logistic_regression", params={"C": -1.0}))
    with pytest.raises(ConfigError, match=r"use one of .*num_leaves"):
        check_trainer(TrainerSpec(name="lightgbm", params={"leaves": 4}))
    with pytest.raises(ConfigError, match=r"trainer\.params\.device"):
        check_trainer(TrainerSpec(name="xgboost", params={"device": "cuda"}))
    with pytest.raises(ConfigError, match=r"trainer\.params\.epochs: 0 is not valid"):
        check_trainer(TrainerSpec(name="torch_mlp", params={"epochs": 0}))
    with pytest.raises(ConfigError, match="gives no probabilities"):
        check_trainer(TrainerSpec(name="sgd", params={"loss": "hinge"}))


def test_tuning_choices_merge_over_declared_parameters() -> None:
    spec = TrainerSpec(name="xgboost", params={"max_depth": 3, "n_estimators": 50})
    assert spec.with_params(max_depth=5).params == {"max_depth": 5, "n_estimators": 50}
    assert spec.params["max_depth"] == 3
