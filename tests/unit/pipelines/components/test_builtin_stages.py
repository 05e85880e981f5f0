"""The built-in stages on real data: a user's own component in a run, the generic
classification task with tuning, and the conversion task."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colloquy.config import load_settings
from colloquy.models.tabular import TabularModel
from colloquy.pipelines.components import registry
from colloquy.pipelines.orchestrator import run_pipeline

from .test_registry import PLUGIN


def test_a_component_from_an_entry_point_runs_in_a_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = f"shout_stage_{abs(hash(str(tmp_path))) % 10**8}"
    (tmp_path / f"{module}.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    entry = importlib.metadata.EntryPoint("shout", f"{module}:Shout", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda *, group: [entry])
    pd.DataFrame({"text": ["hello there", "bye now"] * 6, "label": ["a", "b"] * 6}).to_csv(
        tmp_path / "rows.csv", index=False
    )
    (tmp_path / "p.yaml").write_text(
        "name: shout\ntask: intent\ndata: {path: rows.csv}\n"
        "stages: {ingest: {}, clean: {component: shout}}\ntracking: {enabled: false}\n"
    )
    run = run_pipeline(tmp_path / "p.yaml", load_settings())
    rows = pd.read_parquet(Path(run.stage("clean").output or "") / "rows.parquet")
    assert set(rows["text"]) == {"HELLO THERE", "BYE NOW"}
    assert run.stage("clean").component == "shout"


@pytest.fixture
def churn(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 240
    frame = pd.DataFrame(
        {
            "tenure": rng.integers(1, 60, n),
            "plan": rng.choice(["basic", "pro", "team"], n),
            "note": rng.choice(["happy customer", "wants a refund", "slow support"], n),
        }
    )
    frame["churned"] = np.where(
        (frame["tenure"] < 15) | (frame["note"] == "wants a refund"), "yes", "no"
    )
    frame.to_csv(tmp_path / "churn.csv", index=False)
    return tmp_path / "churn.csv"


CHURN = """\
name: churn
task: classification
seed: 2
data:
  source: {path: churn.csv}
  target: churned
  features: [{name: tenure, kind: numeric}, {name: plan, kind: categorical},
             {name: note, kind: text}]
stages:
  ingest: {}
  split: {}
  tune:
    params:
      n_trials: 3
      metric: macro_f1
      base: {trainer: {name: lightgbm, params: {n_estimators: 15, min_child_samples: 5}}}
      space:
        trainer.learning_rate: {type: float, low: 0.05, high: 0.5, log: true}
  evaluate: {params: {metric: macro_f1}}
tracking: {enabled: false}
"""


def test_the_classification_task_tunes_and_evaluates_a_table(churn: Path) -> None:
    (churn.parent / "p.yaml").write_text(CHURN)
    run = run_pipeline(churn.parent / "p.yaml", load_settings())
    tune = run.stage("tune")
    assert tune.metrics["trials_complete"] + tune.metrics["trials_pruned"] == 3
    assert "trainer.learning_rate" in json.loads(str(tune.info["best_params"]))
    assert run.metrics["evaluate.test_macro_f1"] > 0.8
    model = TabularModel.load(Path(tune.output or "") / "model")
    assert model.target_ == "churned"
    assert run.stage("evaluate").info["metric"] == "test_macro_f1"


CONVERSION = """\
name: deals
task: conversion
data:
  source: craigslist_bargain
  path: {path}
stages:
  ingest: {{}}
  split: {{params: {{test_fraction: 0.25}}}}
  train: {{params: {{blocks: [tfidf, metadata], head: logreg, inner_folds: 2}}}}
  evaluate: {{}}
tracking: {{enabled: false}}
"""


@pytest.mark.slow
def test_the_conversion_task_splits_by_scenario(datasets_dir: Path, tmp_path: Path) -> None:
    path = datasets_dir / "craigslist_bargain" / "dev.json"
    (tmp_path / "p.yaml").write_text(CONVERSION.format(path=path))
    run = run_pipeline(tmp_path / "p.yaml", load_settings())
    assert run.metrics["ingest.no_customer_turn_left_out"] == 32
    split = pd.read_parquet(Path(run.stage("split").output or "") / "split.parquet")
    assert set(split["split"]) == {"train", "test"}
    assert run.metrics["evaluate.test_roc_auc"] > 0.7


def test_clean_drops_training_duplicates_but_never_official_test_rows(tmp_path: Path) -> None:
    rows = pd.DataFrame({"text": ["hi  there", "hi there", "", "bye"], "label": ["a"] * 4})
    rows.to_csv(tmp_path / "train.csv", index=False)
    rows.to_csv(tmp_path / "test.csv", index=False)
    (tmp_path / "p.yaml").write_text(
        "name: clean\ntask: intent\ndata: {path: train.csv, test_path: test.csv}\n"
        "stages: {ingest: {}, clean: {}}\ntracking: {enabled: false}\n"
    )
    run = run_pipeline(tmp_path / "p.yaml", load_settings())
    cleaned = pd.read_parquet(Path(run.stage("clean").output or "") / "rows.parquet")
    assert cleaned[~cleaned["official_test"]]["text"].tolist() == ["hi there", "bye"]
    assert cleaned[cleaned["official_test"]]["text"].tolist() == ["hi there", "hi there", "", "bye"]
    assert run.metrics["clean.empty_dropped"] == 1
    assert run.metrics["clean.duplicates_dropped"] == 1
