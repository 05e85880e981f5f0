"""The classification job end to end: BITEXT categories from the customer's words, and a
churn table read from CSV, JSONL, Parquet and SQLite to the same model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine

from colloquy.data.rows import MissingColumnError
from colloquy.models.tabular import (
    ClassificationTaskConfig,
    TabularModel,
    evaluate_classification,
    read_task_rows,
    split_rows,
    train_classification,
)
from colloquy.progress import ProgressEvent

from .conftest import churn_table


def _bitext_config(path: Path, **changes: Any) -> ClassificationTaskConfig:
    body = {
        "source": {"path": str(path)},
        "target": "category",
        "features": [{"name": "instruction", "kind": "text"}],
        "trainer": {"name": "linear_svc", "params": {"C": 1.0}},
        **changes,
    }
    return ClassificationTaskConfig.model_validate(body)


def test_bitext_categories_are_learned_from_the_instruction(
    bitext_subset: Path, tmp_path: Path
) -> None:
    events: list[ProgressEvent] = []
    result = train_classification(_bitext_config(bitext_subset), seed=0, progress=events.append)
    assert result.train_size == 264
    assert result.validation_size == 66
    assert result.dropped_rows == 0
    assert len(result.metrics.labels) == 11
    assert result.metrics.accuracy > 0.85
    assert result.metrics.calibration is not None
    assert events[-1].done == events[-1].total == 3
    assert len(result.data_fingerprint) == 64

    again = train_classification(_bitext_config(bitext_subset), seed=0)
    assert again.metrics.accuracy == result.metrics.accuracy
    assert again.data_fingerprint == result.data_fingerprint

    saved = result.model.save(tmp_path / "bitext")
    rows = read_task_rows(_bitext_config(bitext_subset)).frame
    _, validation = split_rows(rows, "category", fraction=0.2, seed=0)
    reloaded = evaluate_classification(TabularModel.load(saved), validation, n_bootstrap=200)
    assert reloaded.accuracy == result.metrics.accuracy


def test_a_boosted_bitext_task_reports_rounds_on_the_validation_rows(bitext_subset: Path) -> None:
    config = _bitext_config(
        bitext_subset,
        trainer={"name": "lightgbm", "params": {"n_estimators": 8, "num_leaves": 7}},
        preprocessing={"text": {"max_features": 500}},
    )
    reports: list[tuple[int, float]] = []
    result = train_classification(config, seed=0, on_iteration=lambda s, a: reports.append((s, a)))
    assert [step for step, _ in reports] == list(range(8))
    assert reports[-1][1] == pytest.approx(result.metrics.accuracy)


def _write(frame: pd.DataFrame, folder: Path, fmt: str) -> dict[str, Any]:
    if fmt == "csv":
        frame.to_csv(folder / "churn.csv", index=False)
        return {"path": str(folder / "churn.csv")}
    if fmt == "jsonl":
        records = frame.to_dict(orient="records")
        cleaned = [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in records]
        lines = [json.dumps(record) for record in cleaned]
        (folder / "churn.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return {"path": str(folder / "churn.jsonl")}
    if fmt == "parquet":
        frame.to_parquet(folder / "churn.parquet", index=False)
        return {"path": str(folder / "churn.parquet")}
    url = f"sqlite:///{folder / 'churn.db'}"
    engine = create_engine(url)
    frame.assign(row_id=np.arange(len(frame))).to_sql("customers", engine, index=False)
    engine.dispose()
    return {"url": url, "query": "SELECT * FROM customers ORDER BY row_id"}


def _churn_config(source: dict[str, Any], **changes: Any) -> ClassificationTaskConfig:
    body = {
        "source": source,
        "target": "churn",
        "features": [
            {"name": "tenure", "kind": "numeric"},
            {"name": "monthly", "kind": "numeric"},
            {"name": "plan", "kind": "categorical"},
            {"name": "note", "kind": "text"},
        ],
        "trainer": {"name": "xgboost", "params": {"n_estimators": 10, "max_depth": 3}},
        **changes,
    }
    return ClassificationTaskConfig.model_validate(body)


def test_every_source_format_trains_the_same_model(tmp_path: Path) -> None:
    frame = churn_table()
    probabilities = {}
    for fmt in ("csv", "jsonl", "parquet", "sql"):
        folder = tmp_path / fmt
        folder.mkdir()
        result = train_classification(_churn_config(_write(frame, folder, fmt)), seed=1)
        assert result.train_size + result.validation_size == len(frame)
        probabilities[fmt] = result.model.predict_proba(frame)
    for fmt in ("jsonl", "parquet", "sql"):
        assert np.allclose(probabilities[fmt], probabilities["csv"]), fmt


def test_rows_without_a_target_are_dropped_and_counted(tmp_path: Path) -> None:
    frame = churn_table().astype({"churn": float})
    frame.loc[[0, 5, 9], "churn"] = np.nan
    result = train_classification(_churn_config(_write(frame, tmp_path, "csv")), seed=0)
    assert result.dropped_rows == 3
    assert result.train_size + result.validation_size == len(frame) - 3
    assert set(result.model.classes_) == {"0", "1"}


def test_a_declared_column_missing_from_the_table_names_its_key(tmp_path: Path) -> None:
    frame = churn_table().drop(columns=["plan"])
    with pytest.raises(MissingColumnError) as caught:
        train_classification(_churn_config(_write(frame, tmp_path, "csv")), seed=0)
    assert caught.value.one_line() == (
        "column 'plan' is not in churn.csv (columns: tenure, monthly, note, churn) "
        "— fix features[2].name"
    )
