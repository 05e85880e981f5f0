"""run_study on a real SQLite storage: counts, pruning, determinism, resume after SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from tests.unit.pipelines.tuning.tuning_objectives import digits_config, digits_objective

from colloquy.errors import ConfigError, StorageError
from colloquy.pipelines.tuning.records import StudyResult, TrialRecord
from colloquy.pipelines.tuning.storage import open_storage, study_storage_url
from colloquy.pipelines.tuning.study import run_study, trial_seed

ROOT = Path(__file__).parents[4]


def _url(tmp_path: Path, name: str = "colloquy.db") -> str:
    return study_storage_url(f"sqlite:///{tmp_path / name}")


def _finished(result: StudyResult) -> list[tuple[str, float | None, tuple[object, ...]]]:
    return [
        (t.state, t.value, tuple(sorted(t.params.items())))
        for t in result.trials
        if t.state in {"complete", "pruned"}
    ]


def test_storage_url_keeps_optuna_beside_the_project_tables() -> None:
    assert study_storage_url("sqlite:////data/colloquy.db") == "sqlite:////data/colloquy.optuna.db"
    assert study_storage_url("postgresql+psycopg://u:p@h:5432/db") == (
        "postgresql+psycopg://u:p@h:5432/db?options=-csearch_path%3Doptuna"
    )
    with pytest.raises(ConfigError, match="cannot be stored in a mysql database"):
        study_storage_url("mysql://u@h/db")


def test_unreachable_postgres_is_one_storage_error() -> None:
    url = "postgresql+psycopg://postgres:secret@127.0.0.1:1/none?connect_timeout=2"
    with pytest.raises(StorageError) as info:
        open_storage(url)
    line = info.value.one_line()
    assert "cannot open the study storage" in line
    assert "secret" not in line
    assert "\n" not in line


def test_study_runs_n_finished_trials_and_prunes(tmp_path: Path) -> None:
    seen: list[TrialRecord] = []
    result = run_study(
        digits_objective, digits_config(n_trials=10), _url(tmp_path), "s", progress=seen.append
    )
    assert result.n_finished == 10
    assert result.n_failed == 0
    assert [t.number for t in seen] == list(range(10))
    assert result.n_pruned >= 1
    complete = [t.value for t in result.trials if t.state == "complete" and t.value is not None]
    assert result.best_value == max(complete)
    assert set(result.best_params) == {"alpha", "eta0"}
    assert all(t.duration_seconds is not None for t in result.trials)


def test_same_seed_same_study_and_rerun_adds_nothing(tmp_path: Path) -> None:
    config = digits_config(n_trials=6)
    first = run_study(digits_objective, config, _url(tmp_path, "a.db"), "s")
    second = run_study(digits_objective, config, _url(tmp_path, "b.db"), "s")
    assert _finished(first) == _finished(second)
    again = run_study(digits_objective, config, _url(tmp_path, "a.db"), "s")
    assert len(again.trials) == len(first.trials)
    more = run_study(digits_objective, digits_config(n_trials=8), _url(tmp_path, "a.db"), "s")
    assert _finished(more)[:6] == _finished(first)
    assert more.n_finished == 8


def test_random_and_grid_samplers(tmp_path: Path) -> None:
    random = run_study(digits_objective, digits_config(sampler="random"), _url(tmp_path), "r")
    assert random.n_finished == 8
    grid = digits_config(
        sampler="grid",
        n_trials=50,
        space={
            "alpha": {"type": "categorical", "choices": [1e-4, 1e-2]},
            "eta0": {"type": "float", "low": 0.01, "high": 0.03, "step": 0.01},
        },
    )
    result = run_study(digits_objective, grid, _url(tmp_path), "g")
    assert result.n_finished == 6
    points = {tuple(sorted(t.params.items())) for t in result.trials}
    assert len(points) == 6


def test_a_study_made_for_another_space_is_refused(tmp_path: Path) -> None:
    run_study(digits_objective, digits_config(n_trials=1), _url(tmp_path), "s")
    other = digits_config(
        n_trials=1, space={"alpha": {"type": "float", "low": 1e-5, "high": 1.0, "log": True}}
    )
    with pytest.raises(ConfigError, match="was made for another search"):
        run_study(digits_objective, other, _url(tmp_path), "s")


def test_objective_errors_fail_the_trial_and_propagate(tmp_path: Path) -> None:
    def broken(run: object) -> float:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        run_study(broken, digits_config(n_trials=2), _url(tmp_path), "s")
    study = optuna.load_study(study_name="s", storage=_url(tmp_path))
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.FAIL]


def test_trial_seed_depends_on_finished_count_and_worker() -> None:
    assert trial_seed(7, 3, 0) == trial_seed(7, 3, 0)
    assert len({trial_seed(7, 3, 0), trial_seed(7, 4, 0), trial_seed(7, 3, 1)}) == 3
    assert 0 <= trial_seed(7, 3, 0) < 2**31


_RUNNER = """
import sys
sys.path.insert(0, {root!r})
from tests.unit.pipelines.tuning.tuning_objectives import digits_config, digits_objective
from colloquy.pipelines.tuning.study import run_study
result = run_study(digits_objective, digits_config(n_trials={n}), {url!r}, "s")
print(result.best_number, result.best_value, dict(result.best_params))
"""


def _run_child(url: str, n: int, env: dict[str, str]) -> subprocess.Popen[str]:
    code = _RUNNER.format(root=str(ROOT), n=n, url=url)
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_mid_trial_then_resume_ends_like_an_uninterrupted_run(tmp_path: Path) -> None:
    n = 6
    reference = run_study(
        digits_objective, digits_config(n_trials=n), _url(tmp_path, "ref.db"), "s"
    )
    marker = tmp_path / "hanging"
    env = {**os.environ, "COLLOQUY_TEST_HANG_AT": "4", "COLLOQUY_TEST_MARKER": str(marker)}
    child = _run_child(_url(tmp_path, "killed.db"), n, env)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.1)
    child.send_signal(signal.SIGKILL)
    child.wait()
    study = optuna.load_study(study_name="s", storage=_url(tmp_path, "killed.db"))
    states = [t.state for t in study.trials]
    assert states[-1] == optuna.trial.TrialState.RUNNING
    resumed = run_study(
        digits_objective, digits_config(n_trials=n), _url(tmp_path, "killed.db"), "s"
    )
    assert resumed.n_failed == 1
    assert _finished(resumed) == _finished(reference)
    assert resumed.best_value == reference.best_value
    assert resumed.best_params == reference.best_params
