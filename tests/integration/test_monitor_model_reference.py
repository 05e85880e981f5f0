"""A real (small, TF-IDF) intent pipeline takes its model's reference snapshot, and
``colloquy monitor report --model`` uses it: the latest one by name, a registered version
through its alias, and a clear error for a model that has none."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from colloquy.config import load_settings
from colloquy.monitoring.model_reference import load_model_reference
from colloquy.pipelines.orchestrator import run_pipeline
from colloquy.services.cli.main import main
from colloquy.storage import Store

INTENTS = ["card_arrival", "lost_or_stolen_card", "exchange_rate", "pin_blocked"]

PIPELINE = """\
name: watched-intent
task: intent
data: {{path: {data}/train.csv, test_path: {data}/test.csv, label_column: category}}
stages:
  ingest: {{}}
  split: {{}}
  train: {{params: {{method: tfidf}}}}
  evaluate: {{}}
{register}"""


@pytest.fixture
def data(datasets_dir: Path, tmp_path: Path) -> Path:
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    test = pd.read_csv(datasets_dir / "banking77" / "test.csv")
    train[train["category"].isin(INTENTS)].groupby("category").head(25).to_csv(
        tmp_path / "train.csv", index=False
    )
    test[test["category"].isin(INTENTS)].groupby("category").head(10).to_csv(
        tmp_path / "test.csv", index=False
    )
    # June: only two of the four intents are asked about.
    test[test["category"].isin(INTENTS[:2])].to_csv(tmp_path / "june.csv", index=False)
    return tmp_path


def _pipeline(data: Path, *, register: bool) -> Path:
    path = data / "pipeline.yaml"
    path.write_text(PIPELINE.format(data=data, register="  register: {}\n" if register else ""))
    return path


def _report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()  # what the pipeline run printed
    code = main(["monitor", "report", *args, "--format", "json"])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_training_stores_the_reference_and_report_uses_it(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings()
    run = run_pipeline(_pipeline(data, register=False), settings)
    evaluated = run.stage("evaluate")
    assert evaluated.info["reference"] == "model:watched-intent"
    assert evaluated.output is not None
    assert (Path(evaluated.output) / "reference.json").is_file()
    with Store.open(settings.resolved_database_url) as store:
        snapshot = load_model_reference(store, "watched-intent")
    label = snapshot.feature("category")
    assert label is not None
    assert set(label.counts) == set(INTENTS)
    prediction = snapshot.feature("prediction")
    assert prediction is not None
    assert sum(prediction.counts.values()) == 40
    assert snapshot.feature("confidence") is not None
    assert snapshot.texts[0].field == "text"

    html = tmp_path / "june.html"
    june = str(data / "june.csv")
    code, out, err = _report(
        capsys, "--model", "watched-intent", "--current", june, "--no-text", "--html", str(html)
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["reference"] == "model:watched-intent"
    status = {f["feature"]: f["status"] for f in report["features"]}
    assert status["category"] == "drifted"
    assert status["prediction"] == "missing_in_current"
    assert report["texts_skipped"] == [
        {"field": "text", "reason": "no embedder (run without --no-text)"}
    ]
    page = html.read_text(encoding="utf-8")
    assert "Drift:" in page
    assert "category" in page

    model_dir = Path(run.stage("train").output or "") / "model"
    predicted = tmp_path / "june-predictions.parquet"
    args = ["--model", str(model_dir), "--input", june, "--output", str(predicted)]
    assert main(["predict", "batch", *args, "--text-column", "text"]) == 0
    code, out, err = _report(
        capsys, "--model", "watched-intent", "--current", str(predicted), "--no-text"
    )
    assert code == 0, err
    status = {f["feature"]: f["status"] for f in json.loads(out)["features"]}
    assert status["prediction"] == "drifted"  # two of four intents predicted now
    assert status["confidence"] not in {"missing_in_current", "missing_in_reference"}
    assert "model_version" not in status

    code, out, err = _report(capsys, "--model", "never-trained", "--current", june)
    assert code == 4
    assert "has no reference snapshot" in err
    assert "colloquy monitor snapshot model:never-trained" in err


@pytest.mark.slow
def test_registration_keeps_the_reference_of_each_version(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registered = run_pipeline(_pipeline(data, register=True), load_settings()).stage("register")
    assert registered.info["reference"] == "model:watched-intent, model:watched-intent/1"
    code, out, err = _report(
        capsys,
        "--model",
        "watched-intent@champion",
        "--current",
        str(data / "june.csv"),
        "--no-text",
    )
    assert code == 0, err
    assert json.loads(out)["reference"] == "model:watched-intent/1"


CONVERSION = """\
name: watched-deals
task: conversion
data: {{source: craigslist_bargain, path: {path}}}
stages:
  ingest: {{}}
  split: {{params: {{test_fraction: 0.25}}}}
  train: {{params: {{blocks: [tfidf, metadata], head: logreg, inner_folds: 2}}}}
  evaluate: {{}}
tracking: {{enabled: false}}
"""


@pytest.mark.slow
def test_a_conversion_model_references_its_conversations(
    datasets_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = datasets_dir / "craigslist_bargain" / "dev.json"
    (tmp_path / "p.yaml").write_text(CONVERSION.format(path=path))
    settings = load_settings()
    evaluated = run_pipeline(tmp_path / "p.yaml", settings).stage("evaluate")
    assert evaluated.info["reference"] == "model:watched-deals"
    with Store.open(settings.resolved_database_url) as store:
        snapshot = load_model_reference(store, "watched-deals")
    assert snapshot.label_field == "converted"
    outcome = snapshot.feature("converted")
    assert outcome is not None
    assert set(outcome.counts) == {"True", "False"}
    assert snapshot.feature("confidence") is not None
    assert snapshot.feature("turns") is not None  # dialogue dynamics, as a stored dataset's rows
    assert [t.field for t in snapshot.texts] == ["first_customer_text"]
