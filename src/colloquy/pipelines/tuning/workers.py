"""Several worker processes on one study.

The parent opens the study (creating its tables and record once, so workers do not race
to do it), fails the running trials of a dead earlier run, then starts ``workers``
processes with the ``spawn`` method (no inherited database connections or threads). Each
builds its own objective with ``objective_factory`` (a picklable, module-level callable)
and joins the study as a non-owner with its own worker index; the shared ``n_trials``
budget and the storage's atomic trial numbers keep the total exact. A machine elsewhere
joins the same study with :func:`~colloquy.pipelines.tuning.study.run_study` and
``owner=False``, by the same storage URL and study name.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from colloquy.errors import ConfigError
from colloquy.pipelines.tuning.config import TuneConfig
from colloquy.pipelines.tuning.records import Objective, StudyResult
from colloquy.pipelines.tuning.study import (
    fail_running_trials,
    open_study,
    run_study,
    study_result,
)

ObjectiveFactory = Callable[[], Objective]


def run_study_workers(
    objective_factory: ObjectiveFactory,
    config: TuneConfig,
    storage_url: str,
    study_name: str,
    workers: int,
    *,
    first_worker: int = 0,
) -> StudyResult:
    """Run the study in ``workers`` processes on one storage; the study's result when all
    have stopped. ``first_worker`` offsets the worker indices (give each machine its own
    range so no two workers anywhere share a sampler seed). The first worker error is
    raised once all have stopped."""
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    study = open_study(config, storage_url, study_name)
    fail_running_trials(study)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(
                _worker, objective_factory, config, storage_url, study_name, first_worker + index
            )
            for index in range(workers)
        ]
        errors = [future.exception() for future in futures]
    for error in errors:
        if error is not None:
            raise error
    return study_result(study, storage_url, config.metric)


def _worker(
    objective_factory: ObjectiveFactory,
    config: TuneConfig,
    storage_url: str,
    study_name: str,
    worker: int,
) -> int:
    result = run_study(
        objective_factory(), config, storage_url, study_name, worker=worker, owner=False
    )
    return result.n_finished


__all__ = ["ObjectiveFactory", "run_study_workers"]
