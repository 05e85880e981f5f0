"""The on_iteration reporter and its adapters, each with the real library on tiny data."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pytest
from sklearn.datasets import make_classification

from colloquy.pipelines.tuning.pruning import (
    lightgbm_callback,
    torch_epoch_hook,
    trial_reporter,
    xgboost_callback,
)


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, y = make_classification(n_samples=240, n_features=8, random_state=0)
    return x[:160], y[:160], x[160:], y[160:]


def _trial(threshold: float | None = None) -> optuna.Trial:
    """A trial whose pruner stops it once the reported loss goes above ``threshold``."""
    pruner: optuna.pruners.BasePruner = (
        optuna.pruners.NopPruner()
        if threshold is None
        else optuna.pruners.ThresholdPruner(upper=threshold)
    )
    return optuna.create_study(pruner=pruner).ask()


def test_reporter_records_each_step_and_prunes_when_told() -> None:
    trial = _trial(threshold=0.5)
    report = trial_reporter(trial)
    report(0, 0.4)
    report(1, 0.45)
    with pytest.raises(optuna.TrialPruned, match="pruned at step 2"):
        report(2, 0.9)
    frozen = trial.study.trials[0]
    assert frozen.intermediate_values == {0: 0.4, 1: 0.45, 2: 0.9}


def test_reporter_prunes_a_diverged_metric() -> None:
    with pytest.raises(optuna.TrialPruned, match="the metric is nan"):
        trial_reporter(_trial())(0, math.nan)


def test_lightgbm_callback_reports_every_round() -> None:
    import lightgbm as lgb

    x, y, xv, yv = _data()
    trial = _trial()
    train = lgb.Dataset(x, y)
    valid = lgb.Dataset(xv, yv, reference=train)
    params = {"objective": "binary", "metric": "binary_logloss", "verbose": -1, "num_threads": 1}
    callback = lightgbm_callback(trial_reporter(trial), "binary_logloss")
    lgb.train(params, train, num_boost_round=5, valid_sets=[valid], callbacks=[callback])
    steps = trial.study.trials[0].intermediate_values
    assert sorted(steps) == [0, 1, 2, 3, 4]
    assert steps[4] < steps[0]


def test_lightgbm_callback_prunes_and_names_a_missing_metric() -> None:
    import lightgbm as lgb

    x, y, xv, yv = _data()
    train = lgb.Dataset(x, y)
    valid = lgb.Dataset(xv, yv, reference=train)
    params = {"objective": "binary", "metric": "binary_logloss", "verbose": -1, "num_threads": 1}
    pruned = lightgbm_callback(trial_reporter(_trial(threshold=0.01)), "binary_logloss")
    with pytest.raises(optuna.TrialPruned):
        lgb.train(params, train, num_boost_round=5, valid_sets=[valid], callbacks=[pruned])
    missing = lightgbm_callback(trial_reporter(_trial()), "auc")
    with pytest.raises(ValueError, match="no metric 'auc' on 'valid_0'"):
        lgb.train(params, train, num_boost_round=2, valid_sets=[valid], callbacks=[missing])


def test_xgboost_callback_reports_and_prunes() -> None:
    import xgboost as xgb

    x, y, xv, yv = _data()
    trial = _trial()
    model = xgb.XGBClassifier(
        n_estimators=4,
        eval_metric="logloss",
        n_jobs=1,
        callbacks=[xgboost_callback(trial_reporter(trial), "logloss")],
    )
    model.fit(x, y, eval_set=[(xv, yv)], verbose=False)
    assert sorted(trial.study.trials[0].intermediate_values) == [0, 1, 2, 3]
    pruned = xgb.XGBClassifier(
        n_estimators=4,
        eval_metric="logloss",
        n_jobs=1,
        callbacks=[xgboost_callback(trial_reporter(_trial(threshold=0.01)), "logloss")],
    )
    with pytest.raises(optuna.TrialPruned):
        pruned.fit(x, y, eval_set=[(xv, yv)], verbose=False)


def test_torch_epoch_hook_takes_tensors() -> None:
    import torch

    x, y, xv, yv = _data()
    torch.manual_seed(0)
    model = torch.nn.Linear(8, 2)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.5)
    loss_fn = torch.nn.CrossEntropyLoss()
    inputs, targets = torch.tensor(x, dtype=torch.float32), torch.tensor(y)
    valid_in, valid_out = torch.tensor(xv, dtype=torch.float32), torch.tensor(yv)
    trial = _trial()
    hook = torch_epoch_hook(trial_reporter(trial))
    for epoch in range(3):
        optimiser.zero_grad()
        loss_fn(model(inputs), targets).backward()
        optimiser.step()
        with torch.no_grad():
            hook(epoch, loss_fn(model(valid_in), valid_out))
    values = trial.study.trials[0].intermediate_values
    assert sorted(values) == [0, 1, 2]
    assert all(isinstance(v, float) for v in values.values())
    with pytest.raises(optuna.TrialPruned):
        torch_epoch_hook(trial_reporter(_trial(threshold=0.0)))(0, torch.tensor(0.5))
