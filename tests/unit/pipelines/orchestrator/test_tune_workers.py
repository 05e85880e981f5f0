"""``pipeline tune --workers 2`` on a PostgreSQL study storage: one study, every trial once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from colloquy.config import load_settings
from colloquy.pipelines.orchestrator import RunOptions, TuneOverrides, run_pipeline

TUNE = """\
  tune:
    params:
      n_trials: 6
      storage: '{storage}'
      base: {{method: tfidf}}
      space: {{C: {{type: float, low: 0.1, high: 10.0, log: true}}}}
"""


@pytest.mark.postgres
def test_two_workers_share_one_postgres_study(
    postgres_url: str, write_pipeline: Callable[..., Path]
) -> None:
    import optuna

    from colloquy.pipelines.tuning.storage import study_storage_url

    path = write_pipeline()
    block = TUNE.format(storage=postgres_url) + "  evaluate: {}\n"
    path.write_text(path.read_text().replace("  evaluate: {}\n", block))
    options = RunOptions(tune=TuneOverrides(workers=2, study="shared-study"), stop_after="tune")
    run = run_pipeline(path, load_settings(), options)
    tune = run.stage("tune")
    assert tune.info["study"] == "shared-study"
    assert tune.metrics["trials_complete"] + tune.metrics["trials_pruned"] == 6
    study = optuna.load_study(study_name="shared-study", storage=study_storage_url(postgres_url))
    counted = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    finished = [t for t in study.trials if t.state in counted]
    assert len(finished) == 6
    assert len({t.params["C"] for t in finished}) == 6  # no trial ran twice
    assert run.stage("evaluate").status == "pending"
