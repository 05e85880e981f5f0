"""Fixtures for the tracking tests: real MLflow SQLite stores and small real models.

Creating an MLflow SQLite store runs its migrations (seconds), so one empty store is made
per session and each test gets its own copy of the file.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from colloquy.models.conversion import ConversionPredictor
from colloquy.pipelines.conversion import LabelledConversations, load_labelled
from colloquy.pipelines.intent import IntentTrainingConfig, train_intent

INTENTS = ["card_arrival", "exchange_rate", "pin_blocked"]


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow SQLite database with its tables created and nothing in it."""
    path = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def tracking_uri(empty_store: Path, tmp_path: Path) -> str:
    """A fresh MLflow store of this test's own (a copy of the empty one)."""
    folder = tmp_path / "mlflow"
    folder.mkdir()
    shutil.copyfile(empty_store, folder / "mlflow.db")
    return f"sqlite:///{folder / 'mlflow.db'}"


@pytest.fixture
def artifact_root(tmp_path: Path) -> Path:
    return tmp_path / "mlflow" / "artifacts"


@pytest.fixture(scope="session")
def intent_data(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three BANKING77 intents: 30 training and 10 test rows each."""
    folder = tmp_path_factory.mktemp("intent-data")
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    test = pd.read_csv(datasets_dir / "banking77" / "test.csv")
    paths = {"train": folder / "train.csv", "test": folder / "test.csv"}
    train[train["category"].isin(INTENTS)].groupby("category").head(30).to_csv(
        paths["train"], index=False
    )
    test[test["category"].isin(INTENTS)].groupby("category").head(10).to_csv(
        paths["test"], index=False
    )
    return paths


def train_small_intent(data: Path, output: Path, *, strength: float = 10.0) -> Path:
    """A TF-IDF intent model on ``data`` (seconds, no encoder)."""
    train_intent(
        data,
        text_column="text",
        label_column="category",
        output=output,
        config=IntentTrainingConfig(method="tfidf", C=strength),
    )
    return output


@pytest.fixture(scope="session")
def intent_model_dir(
    intent_data: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    return train_small_intent(intent_data["train"], tmp_path_factory.mktemp("intent") / "model")


LogModels = Callable[[int], list[str]]


@pytest.fixture
def log_models(tracking_uri: str, intent_model_dir: Path) -> LogModels:
    """``log_models(n)``: log the small intent model ``n`` times in one run; their URIs."""
    from colloquy.tracking import MlflowTracker

    def log(count: int) -> list[str]:
        tracker = MlflowTracker(tracking_uri, "unit")
        with tracker.start_run() as run:
            run.log_metrics({"accuracy": 0.9})
            return [run.log_model(intent_model_dir, "intent").model_uri for _ in range(count)]

    return log


@pytest.fixture(scope="session")
def craigslist(datasets_dir: Path) -> LabelledConversations:
    return load_labelled("craigslist_bargain", datasets_dir / "craigslist_bargain")


@pytest.fixture(scope="session")
def conversion_model_dir(
    craigslist: LabelledConversations, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A TF-IDF + metadata conversion model on 150 negotiations (seconds, no encoder)."""
    labels = np.asarray(craigslist.labels[:150], dtype=int)
    model = ConversionPredictor(
        blocks=("tfidf", "metadata"), price_reference="listing_price", inner_folds=3
    ).fit(list(craigslist.conversations[:150]), labels)
    output = tmp_path_factory.mktemp("conversion") / "model"
    model.save(output)
    return output
