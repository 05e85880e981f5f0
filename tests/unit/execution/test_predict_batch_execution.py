"""`colloquy predict batch --execution`: the option is checked before any work starts, and
a local backend given explicitly writes exactly what the default path writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from colloquy.execution import ExecutionSettings, LocalBackend
from colloquy.pipelines.batch import predict_batch
from colloquy.pipelines.intent import IntentTrainingConfig, train_intent
from colloquy.services.cli.main import main

INTENTS = ["card_arrival", "exchange_rate", "pin_blocked"]


@pytest.fixture(scope="module")
def model_dir(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("execution-cli")
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    train = train[train["category"].isin(INTENTS)].groupby("category").head(20)
    train.to_csv(folder / "train.csv", index=False)
    train_intent(
        folder / "train.csv",
        text_column="text",
        label_column="category",
        output=folder / "model",
        config=IntentTrainingConfig(method="tfidf"),
    )
    return folder / "model"


def test_an_unknown_execution_backend_is_a_usage_error(
    model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": ["where is my card"]}).to_csv(source, index=False)
    args = ["predict", "batch", "--model", str(model_dir), "--input", str(source)]
    code = main([*args, "--output", str(tmp_path / "out.parquet"), "--execution", "spark"])
    assert code != 0
    assert "unknown --execution 'spark'" in capsys.readouterr().err
    assert not (tmp_path / "out.parquet").exists()


def test_the_local_backend_writes_what_the_default_path_writes(
    model_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    texts = ["my card has not arrived", "exchange rate for euros", "pin is blocked"] * 7
    pd.DataFrame({"text": texts}).to_csv(source, index=False)
    predict_batch(model_dir, source, tmp_path / "default.parquet", chunk_rows=4)
    with LocalBackend(ExecutionSettings()) as backend:
        predict_batch(
            model_dir, source, tmp_path / "local.parquet", chunk_rows=4, execution=backend
        )
    default = pq.read_table(tmp_path / "default.parquet")
    assert default.num_rows == len(texts)
    assert pq.read_table(tmp_path / "local.parquet").equals(default)
