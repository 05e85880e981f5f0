"""Pruning reports from inside iterative trainers.

The contract with every trainer is one callable, ``on_iteration(step, value)``: the trainer
calls it after each boosting round or epoch with its validation metric, and it raises
``optuna.TrialPruned`` when the study's pruner gives up on the trial. Trainers accept it
as ``on_iteration: Callable[[int, float], None] | None`` and know nothing of Optuna; the
adapters below plug the same callable into LightGBM's and XGBoost's callback systems and
into a PyTorch epoch loop, for code that trains through those libraries directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna

OnIteration = Callable[[int, float], None]
"""``on_iteration(step, value)``: report one step's validation metric (may raise TrialPruned)."""


def trial_reporter(trial: optuna.Trial) -> OnIteration:
    """``on_iteration`` for ``trial``: report, then raise ``TrialPruned`` if the pruner says so.

    A non-finite value (a diverged run) is pruned at once: no pruner can rank it, and
    training further would only spend time.
    """
    import optuna

    def on_iteration(step: int, value: float) -> None:
        value = float(value)
        if not math.isfinite(value):
            raise optuna.TrialPruned(f"pruned at step {step}: the metric is {value}")
        trial.report(value, step)
        if trial.should_prune():
            raise optuna.TrialPruned(f"pruned at step {step} (value {value:.6g})")

    return on_iteration


def lightgbm_callback(
    on_iteration: OnIteration, metric: str, valid_name: str = "valid_0"
) -> Callable[[Any], None]:
    """A LightGBM callback (``lgb.train(..., callbacks=[...])`` or ``fit(callbacks=...)``)
    that reports ``metric`` on the validation set ``valid_name`` after every round."""

    def callback(env: Any) -> None:
        results: Sequence[tuple[Any, ...]] = env.evaluation_result_list or ()
        for entry in results:
            if entry[0] == valid_name and entry[1] == metric:
                on_iteration(int(env.iteration), float(entry[2]))
                return
        names = ", ".join(f"{entry[0]}/{entry[1]}" for entry in results) or "none"
        raise ValueError(
            f"LightGBM reported no metric {metric!r} on {valid_name!r} (it reported: {names}); "
            "pass the validation set in valid_sets and the metric in params['metric']"
        )

    callback.order = 30  # type: ignore[attr-defined]  # after LightGBM's own evaluation
    return callback


def xgboost_callback(
    on_iteration: OnIteration, metric: str, data_name: str = "validation_0"
) -> Any:
    """An ``xgboost.callback.TrainingCallback`` that reports ``metric`` on the evaluation set
    ``data_name`` after every boosting round (``validation_0`` is the sklearn API's name
    for the first ``eval_set``)."""
    import xgboost

    class _Reporter(xgboost.callback.TrainingCallback):
        def after_iteration(
            self, model: Any, epoch: int, evals_log: Mapping[str, Mapping[str, Sequence[Any]]]
        ) -> bool:
            history = evals_log.get(data_name, {}).get(metric)
            if not history:
                names = ", ".join(f"{d}/{m}" for d, log in evals_log.items() for m in log)
                raise ValueError(
                    f"XGBoost reported no metric {metric!r} on {data_name!r} "
                    f"(it reported: {names or 'none'}); set eval_metric and eval_set"
                )
            last = history[-1]
            on_iteration(epoch, float(last[0] if isinstance(last, tuple) else last))
            return False

    return _Reporter()


def torch_epoch_hook(on_iteration: OnIteration) -> Callable[[int, Any], None]:
    """A per-epoch hook for a PyTorch loop: ``hook(epoch, metric)`` where ``metric`` is a
    float or a one-element tensor (detached and moved to the CPU before reporting)."""

    def hook(epoch: int, metric: Any) -> None:
        value = metric.detach().cpu().item() if hasattr(metric, "detach") else metric
        on_iteration(int(epoch), float(value))

    return hook


__all__ = [
    "OnIteration",
    "lightgbm_callback",
    "torch_epoch_hook",
    "trial_reporter",
    "xgboost_callback",
]
