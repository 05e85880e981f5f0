"""Batch prediction from a registered model: NAME@ALIAS and NAME/VERSION in every row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from colloquy.pipelines.batch import predict_batch
from colloquy.pipelines.intent import IntentModel, IntentTrainingConfig, train_intent

INTENTS = ["card_arrival", "exchange_rate", "pin_blocked"]


@pytest.fixture
def registered(
    datasets_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path]:
    from colloquy.tracking import CHAMPION, MlflowRegistry, MlflowTracker

    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    train = train[train["category"].isin(INTENTS)].groupby("category").head(20)
    train.to_csv(tmp_path / "train.csv", index=False)
    model_dir = tmp_path / "model"
    train_intent(
        tmp_path / "train.csv",
        text_column="text",
        label_column="category",
        output=model_dir,
        config=IntentTrainingConfig(method="tfidf"),
    )
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with MlflowTracker(uri, "batch", artifact_root=tmp_path / "artifacts").start_run() as run:
        logged = run.log_model(model_dir, "intent")
    registry = MlflowRegistry(uri)
    version = registry.register(logged.model_uri, "banking")
    registry.set_alias("banking", CHAMPION, version.version)
    monkeypatch.setenv("COLLOQUY_MLFLOW__TRACKING_URI", uri)
    texts = pd.read_csv(datasets_dir / "banking77" / "test.csv")["text"].head(12)
    texts.to_frame().to_csv(tmp_path / "in.csv", index=False)
    return model_dir, tmp_path / "in.csv"


@pytest.mark.slow
def test_an_alias_and_a_version_resolve_through_the_registry(
    registered: tuple[Path, Path], tmp_path: Path
) -> None:
    model_dir, source = registered
    by_alias = predict_batch("banking@champion", source, tmp_path / "a.parquet", chunk_rows=5)
    by_version = predict_batch("banking/1", source, tmp_path / "v.parquet", chunk_rows=5)
    assert (by_alias.model_name, by_alias.model_version) == ("banking", "1")
    table = pq.read_table(by_alias.output)
    assert set(table.column("model_name").to_pylist()) == {"banking"}
    assert set(table.column("model_version").to_pylist()) == {"1"}
    assert table.equals(pq.read_table(by_version.output))
    texts = pd.read_csv(source)["text"].tolist()
    expected = [p.intent for p in IntentModel.load(model_dir).predict(texts)]
    assert table.column("intent").to_pylist() == expected
