"""Running a study: deterministic, resumable after ``kill -9``, shareable by workers.

Three rules make a study killed mid-trial and resumed end with the same best trial as an
uninterrupted one:

* the sampler is rebuilt before every new trial with a seed derived from the study seed,
  the number of finished trials and the worker index, so what is suggested depends only
  on the finished history, never on how many processes came and went;
* the owner of a study (the process that runs it, or the parent of its workers) marks
  the study's RUNNING trials FAIL when it starts: they belong to a dead run and are redone;
* only COMPLETE and PRUNED trials count towards ``n_trials``; a trial that would exceed
  it (two workers racing for the last slot) is failed before it suggests anything.

Trials whose worker died on another machine are failed by Optuna's heartbeat after
:data:`~colloquy.pipelines.tuning.storage.GRACE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, cast

from colloquy.errors import ConfigError
from colloquy.pipelines.tuning.config import TuneConfig
from colloquy.pipelines.tuning.pruning import trial_reporter
from colloquy.pipelines.tuning.records import (
    Objective,
    StudyResult,
    TrialRecord,
    TrialRun,
    TrialStateName,
)
from colloquy.pipelines.tuning.space import ParamValue, grid_size, grid_values, suggest
from colloquy.pipelines.tuning.storage import open_storage, redact

if TYPE_CHECKING:
    import optuna

Progress = Callable[[TrialRecord], None]

_FINGERPRINT_ATTR = "colloquy:space"
_SURPLUS_ATTR = "colloquy:surplus"
_POLL_SECONDS = 0.5


class _SurplusTrialError(Exception):
    """The trial would take the study past ``n_trials``; it is failed unrun."""


def run_study(
    objective: Objective,
    config: TuneConfig,
    storage_url: str,
    study_name: str,
    *,
    progress: Progress | None = None,
    worker: int = 0,
    owner: bool = True,
) -> StudyResult:
    """Run (or resume, or join) study ``study_name`` until it has ``config.n_trials``
    finished trials or ``config.timeout_seconds`` pass.

    ``owner=False`` joins a study others run (``--study NAME`` from another machine, or
    one of :func:`run_study_workers`' processes): it leaves their running trials alone.
    Give each worker its own ``worker`` index so their samplers differ.
    An exception from ``objective`` fails its trial and propagates.
    """
    import optuna

    study = open_study(config, storage_url, study_name)
    if owner:
        fail_running_trials(study)
    limit = min(config.n_trials, grid_size(config.space)) if config.sampler == "grid" else None
    limit = limit if limit is not None else config.n_trials
    deadline = None if config.timeout_seconds is None else time.monotonic() + config.timeout_seconds

    started: list[int] = []

    def wrapped(trial: optuna.Trial) -> float:
        started.append(trial.number)
        if _is_surplus(study, trial.number, limit):
            trial.set_user_attr(_SURPLUS_ATTR, True)
            raise _SurplusTrialError(f"trial {trial.number} would exceed n_trials={limit}")
        params = suggest(trial, config.space)
        run = TrialRun(trial.number, params, config.seed, trial_reporter(trial), trial)
        return objective(run)

    while deadline is None or time.monotonic() < deadline:
        states = [t.state for t in study.get_trials(deepcopy=False)]
        finished = _count(states, optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
        running = _count(states, optuna.trial.TrialState.RUNNING, optuna.trial.TrialState.WAITING)
        if finished >= limit:
            break
        if finished + running >= limit:
            # Others hold the last slots; wait for them (the heartbeat fails dead ones).
            optuna.storages.fail_stale_trials(study)
            time.sleep(_POLL_SECONDS)
            continue
        # A grid sampler's seed fixes the grid's order, so it must stay the study seed.
        seed = (
            config.seed if config.sampler == "grid" else trial_seed(config.seed, finished, worker)
        )
        study.sampler = make_sampler(config, seed)
        started.clear()
        study.optimize(wrapped, n_trials=1, catch=(_SurplusTrialError,), gc_after_trial=False)
        if progress is not None and started:
            last = study.get_trials(deepcopy=False)[started[-1]]
            if not last.user_attrs.get(_SURPLUS_ATTR):
                progress(_record(last))
    return study_result(study, storage_url, config.metric)


def open_study(config: TuneConfig, storage_url: str, study_name: str) -> optuna.Study:
    """Create study ``study_name`` or load it, refusing one made for another search."""
    import optuna

    storage = open_storage(storage_url)
    study = optuna.create_study(
        storage=storage,
        study_name=study_name,
        direction=config.direction,
        sampler=make_sampler(config, config.seed),
        pruner=make_pruner(config),
        load_if_exists=True,
    )
    fingerprint = _fingerprint(config)
    stored = study.user_attrs.get(_FINGERPRINT_ATTR)
    if stored is None:
        study.set_user_attr(_FINGERPRINT_ATTR, fingerprint)
    elif stored != fingerprint:
        raise ConfigError(
            f"study {study_name!r} in {redact(storage_url)} was made for another search "
            "(space, metric, direction or sampler differ)",
            hint="name a new study (tune.study or --study), or restore its original settings",
        )
    return study


def fail_running_trials(study: optuna.Study) -> int:
    """Mark every RUNNING trial of ``study`` FAIL (the owner's dead run); how many there were."""
    import optuna

    failed = 0
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        if study._storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL):
            failed += 1
    return failed


def make_sampler(config: TuneConfig, seed: int) -> optuna.samplers.BaseSampler:
    """The configured sampler, seeded with ``seed``."""
    import optuna

    if config.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if config.sampler == "grid":
        grid = cast("dict[str, list[object]]", grid_values(config.space))
        return optuna.samplers.GridSampler(grid, seed=seed)  # type: ignore[arg-type]
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=config.n_startup_trials)


def make_pruner(config: TuneConfig) -> optuna.pruners.BasePruner:
    """The median pruner (or none), with the configured warm-up."""
    import optuna

    if config.pruner == "none":
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(
        n_startup_trials=config.n_startup_trials, n_warmup_steps=config.n_warmup_steps
    )


def trial_seed(seed: int, finished: int, worker: int) -> int:
    """The sampler seed for the next trial: a hash of the study seed, the finished count
    and the worker index (31 bits, as numpy's legacy seeding wants)."""
    digest = hashlib.sha256(f"{seed}:{finished}:{worker}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def study_result(study: optuna.Study, storage_url: str, metric: str) -> StudyResult:
    """The study's current state as a :class:`StudyResult` (surplus trials left out)."""
    import optuna

    trials = tuple(
        _record(t) for t in study.get_trials(deepcopy=False) if not t.user_attrs.get(_SURPLUS_ATTR)
    )
    best: optuna.trial.FrozenTrial | None
    try:
        best = study.best_trial
    except ValueError:  # no complete trial yet
        best = None
    maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE
    direction: Literal["maximize", "minimize"] = "maximize" if maximize else "minimize"
    return StudyResult(
        study_name=study.study_name,
        storage=redact(storage_url),
        metric=metric,
        direction=direction,
        best_number=best.number if best is not None else None,
        best_value=best.value if best is not None else None,
        best_params=_params(best) if best is not None else {},
        trials=trials,
    )


def _is_surplus(study: optuna.Study, number: int, limit: int) -> bool:
    import optuna

    holding = (
        optuna.trial.TrialState.COMPLETE,
        optuna.trial.TrialState.PRUNED,
        optuna.trial.TrialState.RUNNING,
        optuna.trial.TrialState.WAITING,
    )
    earlier = [
        t
        for t in study.get_trials(deepcopy=False, states=holding)
        if t.number < number and not t.user_attrs.get(_SURPLUS_ATTR)
    ]
    return len(earlier) >= limit


def _count(states: list[optuna.trial.TrialState], *wanted: optuna.trial.TrialState) -> int:
    return sum(state in wanted for state in states)


def _record(trial: optuna.trial.FrozenTrial) -> TrialRecord:
    state = cast("TrialStateName", trial.state.name.lower())
    duration = trial.duration.total_seconds() if trial.duration is not None else None
    return TrialRecord(
        number=trial.number,
        state=state,
        value=trial.value if trial.values else None,
        params=_params(trial),
        duration_seconds=duration,
        steps=len(trial.intermediate_values),
    )


def _params(trial: optuna.trial.FrozenTrial) -> dict[str, ParamValue]:
    return {name: cast("ParamValue", value) for name, value in trial.params.items()}


def _fingerprint(config: TuneConfig) -> str:
    fields = config.model_dump(mode="json", include={"space", "metric", "direction", "sampler"})
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


__all__ = [
    "Progress",
    "fail_running_trials",
    "make_pruner",
    "make_sampler",
    "open_study",
    "run_study",
    "study_result",
    "trial_seed",
]
