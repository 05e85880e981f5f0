"""Ray Tune honours the study's pruner: median → the median stopping rule, none → FIFO,
and a small real study on a local Ray stops its poor trials early."""

from __future__ import annotations

from pathlib import Path

import pytest

from colloquy.pipelines.tuning import TuneConfig
from colloquy.pipelines.tuning.records import TrialRun

ray_tune = pytest.importorskip("ray.tune")

from ray.tune.schedulers import FIFOScheduler, MedianStoppingRule  # noqa: E402

from colloquy.pipelines.tuning.ray_scheduler import MedianStopping  # noqa: E402
from colloquy.pipelines.tuning.ray_tune import make_scheduler, run_ray_study  # noqa: E402

STEPS = 8


def _config(**changes: object) -> TuneConfig:
    settings: dict[str, object] = {
        "n_trials": 10,
        "sampler": "random",
        "n_startup_trials": 2,
        "workers": 2,
        "seed": 7,
        "space": {"quality": {"type": "float", "low": 0.0, "high": 1.0}},
    }
    settings.update(changes)
    return TuneConfig.model_validate(settings)


def test_median_pruner_becomes_the_median_stopping_rule() -> None:
    scheduler = make_scheduler(_config(n_warmup_steps=3, n_startup_trials=4))
    assert isinstance(scheduler, MedianStopping)
    assert isinstance(scheduler, MedianStoppingRule)
    assert scheduler._time_attr == "step"
    assert scheduler._grace_period == 3.0
    assert scheduler._min_samples_required == 4
    assert (scheduler._metric, scheduler._mode) == ("score", "max")
    assert scheduler._on_insufficient_samples(None, None, 5.0) == "CONTINUE"
    minimising = make_scheduler(_config(direction="minimize", n_startup_trials=0))
    assert isinstance(minimising, MedianStoppingRule)
    assert minimising._mode == "min"
    assert minimising._min_samples_required == 1


def test_no_pruner_runs_every_trial_to_the_end() -> None:
    scheduler = make_scheduler(_config(pruner="none"))
    assert isinstance(scheduler, FIFOScheduler)
    assert not isinstance(scheduler, MedianStoppingRule)


@pytest.mark.slow
def test_a_real_ray_study_stops_poor_trials_early(tmp_path: Path) -> None:
    import ray

    def plateau(run: TrialRun) -> float:
        """A trial whose every epoch scores its ``quality``: poor ones stay poor."""
        import time

        quality = float(run.params["quality"])  # type: ignore[arg-type]
        for step in range(STEPS):
            time.sleep(0.2)
            run.on_iteration(step, quality)
        return quality

    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=3, include_dashboard=False, log_to_driver=False)
    try:
        result = run_ray_study(plateau, _config(), storage_path=tmp_path, study_name="pruning")
    finally:
        if started:
            ray.shutdown()
    assert len(result.trials) == 10
    assert result.n_failed == 0
    assert result.n_pruned >= 1
    for trial in result.trials:
        if trial.state == "pruned":
            assert trial.steps < STEPS + 1
        else:
            assert trial.steps == STEPS + 1
    best = max(t.value for t in result.trials if t.value is not None and t.state == "complete")
    assert result.best_value == best


def test_optuna_hears_a_stopped_trial_was_pruned() -> None:
    import optuna

    from colloquy.pipelines.tuning.ray_search import PruningOptunaSearch

    def space(trial: optuna.Trial) -> None:
        trial.suggest_float("quality", 0.0, 1.0)

    searcher = PruningOptunaSearch(
        space=space,
        metric="score",
        mode="max",
        sampler=optuna.samplers.RandomSampler(seed=0),
        final_key="final",
    )
    for trial_id, final in (("stopped", False), ("finished", True)):
        assert searcher.suggest(trial_id) is not None
        result = {"score": 0.5, "step": 0, "final": final, "training_iteration": 1}
        searcher.on_trial_result(trial_id, result)
        searcher.on_trial_complete(trial_id, result)
    study = searcher._ot_study
    assert study is not None
    states = [trial.state for trial in study.trials]
    assert states == [optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.COMPLETE]
    assert study.trials[1].value == 0.5
