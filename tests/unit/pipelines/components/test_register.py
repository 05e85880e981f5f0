"""The register stage on a real MLflow store: champion first, then kept unless significantly
better or forced, the comparison recorded; a failed promotion leaves no version behind."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from colloquy.config import load_settings
from colloquy.errors import StorageError
from colloquy.pipelines.orchestrator import PipelineFailedError, RunOptions, run_pipeline

INTENTS = ["card_arrival", "lost_or_stolen_card", "exchange_rate", "pin_blocked"]

PIPELINE = """\
name: registered-intent
task: intent
data: {{path: {data}/train.csv, test_path: {data}/test.csv, label_column: category}}
stages:
  ingest: {{}}
  split: {{}}
  train: {{params: {{method: tfidf, C: {C}}}}}
  evaluate: {{}}
  register: {{}}
"""


@pytest.fixture
def pipeline(datasets_dir: Path, tmp_path: Path) -> Path:
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    test = pd.read_csv(datasets_dir / "banking77" / "test.csv")
    train[train["category"].isin(INTENTS)].groupby("category").head(25).to_csv(
        tmp_path / "train.csv", index=False
    )
    test[test["category"].isin(INTENTS)].groupby("category").head(10).to_csv(
        tmp_path / "test.csv", index=False
    )
    path = tmp_path / "pipeline.yaml"
    path.write_text(PIPELINE.format(data=tmp_path, C=10.0))
    return path


@pytest.mark.slow
def test_promotion_follows_the_champion_comparison(pipeline: Path) -> None:
    from colloquy.tracking import MlflowRegistry

    settings = load_settings()
    first = run_pipeline(pipeline, settings).stage("register")
    assert first.info["promoted"] is True
    assert first.info["version"] == 1
    unchanged = run_pipeline(pipeline, settings).stage("register")
    assert unchanged.status == "cached"  # the identical model is not registered again
    assert unchanged.info["version"] == 1
    pipeline.write_text(pipeline.read_text().replace("C: 10.0", "C: 0.5"))
    second = run_pipeline(pipeline, settings).stage("register")
    assert second.status == "done"
    assert second.info["version"] == 2
    significantly = second.metrics["champion_comparison.significantly_better"] == 1.0
    assert second.info["promoted"] is significantly
    assert 0.0 <= second.metrics["champion_comparison.p_value"] <= 1.0
    pipeline.write_text(pipeline.read_text().replace("C: 0.5", "C: 0.2"))
    forced = run_pipeline(pipeline, settings, RunOptions(force_register=True)).stage("register")
    assert forced.info["promoted"] is True
    assert forced.info["forced"] is True
    registry = MlflowRegistry(settings.resolved_mlflow_tracking_uri)
    assert registry.alias_version("registered-intent", "champion") == 3


@pytest.mark.slow
def test_a_failed_registration_leaves_no_version(
    pipeline: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from colloquy.tracking import MlflowRegistry, promotion

    def broken(*args: object, **kwargs: object) -> None:
        raise StorageError("the registry refused the alias")

    monkeypatch.setattr(promotion, "promote", broken)
    settings = load_settings()
    with pytest.raises(PipelineFailedError, match="stage register"):
        run_pipeline(pipeline, settings)
    registry = MlflowRegistry(settings.resolved_mlflow_tracking_uri)
    assert registry.show("registered-intent").versions == ()
