"""A study on Ray Tune: Optuna's sampler proposes, Ray runs the trials across a cluster.

The search space is the same :class:`~colloquy.pipelines.tuning.config.TuneConfig` a local
study reads: Ray's ``OptunaSearch`` calls :func:`~colloquy.pipelines.tuning.space.suggest`
as its define-by-run space, so the YAML means the same thing on both. Trials run as Ray
tasks (one CPU each, at most ``workers`` at once) and the objective is the picklable one a
local study uses.

The config's ``pruner`` becomes a Ray Tune scheduler (:func:`make_scheduler`): ``median``
is Ray's median stopping rule, which stops a trial whose best report so far is worse than
the median of the other trials' running means up to the same step, with the warm-up and
start-up counts the local study's median pruner takes; ``none`` runs every trial to its
end (first in, first out). Each trainer step the objective reports through
``on_iteration`` is one Ray result, as it is one ``trial.report`` in a local study; a trial
the scheduler stops is recorded as ``pruned`` with its last report as its value, and
Optuna's sampler is told it was pruned (:mod:`~colloquy.pipelines.tuning.ray_search`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from colloquy.extras import require
from colloquy.pipelines.tuning.config import TuneConfig
from colloquy.pipelines.tuning.records import (
    Objective,
    StudyResult,
    TrialRecord,
    TrialRun,
    TrialStateName,
)
from colloquy.pipelines.tuning.space import Dimension, ParamValue, suggest

if TYPE_CHECKING:
    import optuna
    from ray.tune.schedulers import TrialScheduler

SCORE = "score"
STEP = "step"
FINAL = "final"
"""Set on a trial's last report only: a trial whose last report lacks it was stopped."""


def run_ray_study(
    objective: Objective,
    config: TuneConfig,
    *,
    storage_path: Path,
    study_name: str,
    workers: int | None = None,
) -> StudyResult:
    """``config.n_trials`` trials of ``objective`` on the Ray this process is connected to
    (or a local one); results and trial folders under ``storage_path / study_name``."""
    require("ray.tune", extra="scale", feature="tuning on Ray Tune")
    import optuna
    from ray import tune
    from ray.tune.search import ConcurrencyLimiter

    from colloquy.pipelines.tuning.ray_search import PruningOptunaSearch

    mode = "max" if config.direction == "maximize" else "min"
    sampler: optuna.samplers.BaseSampler = (
        optuna.samplers.RandomSampler(seed=config.seed)
        if config.sampler == "random"
        else optuna.samplers.TPESampler(seed=config.seed, n_startup_trials=config.n_startup_trials)
    )
    searcher = PruningOptunaSearch(
        space=_Space(config.space), metric=SCORE, mode=mode, sampler=sampler, final_key=FINAL
    )
    limited = ConcurrencyLimiter(searcher, max_concurrent=workers or config.workers)
    trainable = tune.with_resources(
        tune.with_parameters(_trial, objective=objective, seed=config.seed), {"cpu": 1}
    )
    tuner = tune.Tuner(
        trainable,
        tune_config=tune.TuneConfig(
            search_alg=limited,
            scheduler=make_scheduler(config),
            num_samples=config.n_trials,
            time_budget_s=config.timeout_seconds,
        ),
        run_config=tune.RunConfig(
            name=study_name, storage_path=str(storage_path.absolute()), verbose=0
        ),
    )
    grid = tuner.fit()
    trials = tuple(_record(number, grid[number]) for number in range(len(grid)))
    return _result(trials, config, study_name, storage_path / study_name)


def make_scheduler(config: TuneConfig) -> TrialScheduler:
    """The Ray Tune scheduler that does what the config's ``pruner`` does in a local study.

    ``median``: :class:`~ray.tune.schedulers.MedianStoppingRule` on the trainer's step
    (one that never pauses a trial: :mod:`~colloquy.pipelines.tuning.ray_scheduler`),
    no stopping before step ``n_warmup_steps`` nor before ``n_startup_trials`` other trials
    have reported that step (at least one: a median needs something to be the median of;
    Optuna counts finished trials instead, which Ray's rule cannot). ``none``:
    :class:`~ray.tune.schedulers.FIFOScheduler`, which never stops a trial.
    """
    from ray.tune.schedulers import FIFOScheduler

    from colloquy.pipelines.tuning.ray_scheduler import MedianStopping

    if config.pruner == "none":
        return FIFOScheduler()  # type: ignore[no-untyped-call]
    return MedianStopping(
        time_attr=STEP,
        metric=SCORE,
        mode="max" if config.direction == "maximize" else "min",
        grace_period=float(config.n_warmup_steps),
        min_samples_required=max(1, config.n_startup_trials),
    )


class _Space:
    """The define-by-run space Ray's OptunaSearch calls (picklable: Ray checkpoints it)."""

    def __init__(self, space: Mapping[str, Dimension]) -> None:
        self.space = dict(space)

    def __call__(self, trial: optuna.Trial) -> None:
        suggest(trial, self.space)


def _trial(params: dict[str, Any], objective: Objective, seed: int) -> None:
    """One Ray Tune trial: the objective with Optuna's suggestion, its value reported."""
    import optuna
    from ray import tune

    flat = _flatten(params)
    step = 0

    def on_iteration(index: int, value: float) -> None:
        nonlocal step
        step = index
        tune.report({SCORE: value, STEP: index, FINAL: False})

    trial = cast("optuna.Trial", optuna.trial.FixedTrial(flat))
    run = TrialRun(number=-1, params=flat, seed=seed, on_iteration=on_iteration, trial=trial)
    value = objective(run)
    tune.report({SCORE: value, STEP: step + 1, FINAL: True})


def _flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, ParamValue]:
    """Ray nests dotted names (``head.C`` may arrive as ``{"head": {"C": …}}``)."""
    flat: dict[str, ParamValue] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _record(number: int, result: Any) -> TrialRecord:
    metrics = result.metrics or {}
    value = metrics.get(SCORE)
    failed = result.error is not None or value is None
    state: TrialStateName = "complete" if metrics.get(FINAL) else "pruned"
    return TrialRecord(
        number=number,
        state="fail" if failed else state,
        value=None if value is None else float(value),
        params=_flatten(result.config or {}),
        duration_seconds=metrics.get("time_total_s"),
        steps=int(metrics.get("training_iteration", 0)),
    )


def _result(
    trials: tuple[TrialRecord, ...], config: TuneConfig, name: str, where: Path
) -> StudyResult:
    scored = [t for t in trials if t.state == "complete" and t.value is not None]
    scored = [t for t in scored if t.value is not None and math.isfinite(t.value)]
    sign = 1.0 if config.direction == "maximize" else -1.0
    best = max(scored, key=lambda t: sign * (t.value or 0.0), default=None)
    return StudyResult(
        study_name=name,
        storage=str(where),
        metric=config.metric,
        direction=config.direction,
        best_number=None if best is None else best.number,
        best_value=None if best is None else best.value,
        best_params={} if best is None else dict(best.params),
        trials=trials,
    )


__all__ = ["make_scheduler", "run_ray_study"]
