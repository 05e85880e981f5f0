"""Batch prediction with a tabular classification model: the model's columns, its answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from colloquy.errors import DataError, UsageError
from colloquy.models.tabular import FeatureSpec, TabularModel
from colloquy.pipelines.batch import predict_batch
from colloquy.storage import Store

FEATURES = (
    FeatureSpec(name="tenure", kind="numeric"),
    FeatureSpec(name="plan", kind="categorical"),
    FeatureSpec(name="note", kind="text"),
)


def customers(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "pro"], n)
    tenure = rng.integers(1, 60, n).astype(float)
    note = rng.choice(["slow support", "happy", "billing error"], n)
    churn = ((plan == "basic") & (tenure < 30)) | (note == "slow support")
    return pd.DataFrame(
        {"id": [f"u{i}" for i in range(n)], "tenure": tenure, "plan": plan, "note": note}
    ).assign(churn=churn.astype(int))


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("batch-tabular") / "model"
    TabularModel(FEATURES).fit(customers(120, 0), "churn").save(output)
    return output


def test_rows_of_a_csv_are_classified_as_the_model_does(model_dir: Path, tmp_path: Path) -> None:
    rows = customers(37, 1).drop(columns="churn")
    rows.to_csv(tmp_path / "in.csv", index=False)
    result = predict_batch(
        model_dir, tmp_path / "in.csv", tmp_path / "out.parquet", chunk_rows=10, id_column="id"
    )
    table = pq.read_table(result.output).to_pandas()
    model = TabularModel.load(model_dir)
    proba = model.predict_proba(rows)
    assert result.model_kind == "classification"
    assert table["row_id"].tolist() == rows["id"].tolist()
    assert table["label"].tolist() == [str(label) for label in model.predict(rows)]
    assert table["confidence"].tolist() == pytest.approx(proba.max(axis=1).tolist())
    assert result.chunks == 4


def test_a_missing_feature_column_or_a_dataset_is_refused(model_dir: Path, tmp_path: Path) -> None:
    customers(5, 2).drop(columns="plan").to_csv(tmp_path / "in.csv", index=False)
    with pytest.raises(DataError, match=r"no column 'plan'; columns: id, tenure, note, churn"):
        predict_batch(model_dir, tmp_path / "in.csv", tmp_path / "out.parquet")
    with (
        Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store,
        pytest.raises(UsageError, match="reads table files"),
    ):
        predict_batch(model_dir, "chats", tmp_path / "out.parquet", store=store)
