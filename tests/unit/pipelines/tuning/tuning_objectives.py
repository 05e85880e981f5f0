"""Fast, deterministic objectives for the study tests (importable by spawned workers).

SGD logistic regression on scikit-learn's digits, one ``partial_fit`` per epoch with the
validation accuracy reported after each, so the median pruner has something to prune.
``COLLOQUY_TEST_HANG_AT`` makes the trial that starts after that many finished trials
write ``COLLOQUY_TEST_MARKER`` and hang, for a SIGKILL to land mid-trial.
"""

from __future__ import annotations

import os
import time
from functools import cache
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split

from colloquy.pipelines.tuning import TuneConfig
from colloquy.pipelines.tuning.records import Objective, TrialRun

EPOCHS = 4


@cache
def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(
        x / 16.0, y, test_size=0.3, random_state=0, stratify=y
    )
    return x_train, x_val, y_train, y_val


def digits_objective(run: TrialRun) -> float:
    hang_at = os.environ.get("COLLOQUY_TEST_HANG_AT")
    if hang_at is not None:
        finished = sum(t.state.name in {"COMPLETE", "PRUNED"} for t in run.trial.study.trials)
        if finished == int(hang_at):
            Path(os.environ["COLLOQUY_TEST_MARKER"]).write_text(str(run.number))
            time.sleep(600)
    x_train, x_val, y_train, y_val = _data()
    model = SGDClassifier(
        loss="log_loss",
        alpha=float(run.params["alpha"]),  # type: ignore[arg-type]
        eta0=float(run.params["eta0"]),  # type: ignore[arg-type]
        learning_rate="constant",
        random_state=run.seed,
    )
    classes = np.unique(y_train)
    accuracy = 0.0
    for epoch in range(EPOCHS):
        model.partial_fit(x_train, y_train, classes=classes)
        accuracy = float(model.score(x_val, y_val))
        run.on_iteration(epoch, accuracy)
    return accuracy


def digits_factory() -> Objective:
    return digits_objective


def digits_config(**fields: object) -> TuneConfig:
    base: dict[str, object] = {
        "n_trials": 8,
        "seed": 7,
        "n_startup_trials": 3,
        "n_warmup_steps": 1,
        "space": {
            "alpha": {"type": "float", "low": 1e-6, "high": 1.0, "log": True},
            "eta0": {"type": "float", "low": 1e-4, "high": 1.0, "log": True},
        },
    }
    base.update(fields)
    return TuneConfig.model_validate(base)
