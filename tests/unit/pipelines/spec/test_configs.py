"""The shipped pipeline files load and validate (data, columns, tracking) as shipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from colloquy.config import load_settings
from colloquy.pipelines.orchestrator import validate_pipeline

CONFIGS = Path(__file__).resolve().parents[4] / "configs"
SHIPPED = {
    "banking77_intent": "intent",
    "banking77_tuning": "intent",
    "persuasion_conversion": "conversion",
    "bitext_category": "classification",
}


@pytest.mark.parametrize(("name", "task"), SHIPPED.items())
def test_a_shipped_config_validates(
    name: str, task: str, datasets_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLLOQUY_DATA_DIR", str(datasets_dir))
    pipeline = validate_pipeline(CONFIGS / f"{name}.yaml", load_settings())
    assert pipeline.spec.task == task
    assert pipeline.stage("evaluate") is not None
    assert pipeline.stage("register") is not None


def test_the_tuning_config_is_a_twenty_trial_pruned_study(datasets_dir: Path) -> None:
    pipeline = validate_pipeline(CONFIGS / "banking77_tuning.yaml", load_settings())
    tune = pipeline.stage("tune")
    assert tune is not None
    params = tune.params.model_dump()
    assert params["n_trials"] == 20
    assert params["pruner"] == "median"
    assert set(params["space"]) == {"C", "tfidf_weight", "encoder"}
