"""An intent pipeline reading a stored dataset's snapshot at its content version."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from colloquy.config import load_settings
from colloquy.data.loaders import get_loader
from colloquy.data.versions import default_versions_root, snapshot_dataset
from colloquy.errors import ConfigError
from colloquy.pipelines.ingest import ingest
from colloquy.pipelines.orchestrator import run_pipeline, validate_pipeline
from colloquy.storage import Store

INTENTS = ["card_arrival", "exchange_rate", "pin_blocked"]

PIPELINE = """\
name: stored
task: intent
data: {{dataset: b77, version: '{version}', label_column: intent}}
stages:
  ingest: {{}}
  split: {{}}
  train: {{params: {{method: tfidf}}}}
  evaluate: {{}}
tracking: {{enabled: false}}
"""


@pytest.fixture
def version(datasets_dir: Path, tmp_path: Path) -> str:
    folder = tmp_path / "banking77"
    folder.mkdir()
    for split, rows in (("train", 20), ("test", 8)):
        frame = pd.read_csv(datasets_dir / "banking77" / f"{split}.csv")
        frame[frame["category"].isin(INTENTS)].groupby("category").head(rows).to_csv(
            folder / f"{split}.csv", index=False
        )
    settings = load_settings()
    with Store.open(settings.resolved_database_url) as store:
        ingest(store, get_loader("banking77"), folder, dataset="b77")
        snapshot = snapshot_dataset(store, "b77", default_versions_root(settings.resolved_home))
    return snapshot.version.version


def test_a_stored_dataset_is_read_at_its_version(version: str, tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PIPELINE.format(version=version))
    run = run_pipeline(path, load_settings())
    assert run.data_version == version
    assert run.metrics["ingest.rows"] == 3 * 28
    assert run.stage("ingest").info["official_test_rows"] == 3 * 8
    assert run.metrics["evaluate.test_n"] == 3 * 8


def test_an_unknown_version_is_refused_before_any_work(version: str, tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PIPELINE.format(version="feedbeef"))
    with pytest.raises(ConfigError) as caught:
        validate_pipeline(path, load_settings())
    assert f"{path.resolve()}:3" in str(caught.value)
    assert "data.version" in str(caught.value)
    assert version in str(caught.value)  # the known versions are listed
