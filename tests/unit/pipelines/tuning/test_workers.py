"""Worker processes sharing one study: on PostgreSQL (the store for it) and on SQLite."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from tests.unit.pipelines.tuning.tuning_objectives import digits_config, digits_factory

from colloquy.pipelines.tuning.records import StudyResult
from colloquy.pipelines.tuning.storage import study_storage_url
from colloquy.pipelines.tuning.workers import run_study_workers

ROOT = Path(__file__).parents[4]


@pytest.fixture(autouse=True)
def _importable_by_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spawned workers unpickle the objective factory by module path: the repository root
    must be on the ``sys.path`` they inherit."""
    monkeypatch.syspath_prepend(str(ROOT))


def _check_exact(result: StudyResult, storage_url: str, n: int) -> None:
    assert result.n_finished == n
    study = optuna.load_study(study_name=result.study_name, storage=storage_url)
    numbers = [t.number for t in study.trials]
    assert len(numbers) == len(set(numbers))
    finished = [t for t in study.trials if t.state.name in {"COMPLETE", "PRUNED"}]
    assert len(finished) == n
    points = {tuple(sorted(t.params.items())) for t in finished}
    assert len(points) == n
    assert not [t for t in study.trials if t.state.name == "RUNNING"]


@pytest.mark.postgres
def test_two_workers_on_one_postgres_study_finish_exactly_20(postgres_url: str) -> None:
    """No duplicated trial (numbers or parameters), none lost, none left RUNNING."""
    url = study_storage_url(postgres_url)
    config = digits_config(n_trials=20)
    result = run_study_workers(digits_factory, config, url, "shared", 2)
    _check_exact(result, url, 20)


@pytest.mark.slow
def test_two_workers_on_sqlite(tmp_path: Path) -> None:
    url = study_storage_url(f"sqlite:///{tmp_path / 'colloquy.db'}")
    config = digits_config(n_trials=10)
    result = run_study_workers(digits_factory, config, url, "s", 2)
    _check_exact(result, url, 10)
    again = run_study_workers(digits_factory, config, url, "s", 2)
    assert len(again.trials) == len(result.trials)
