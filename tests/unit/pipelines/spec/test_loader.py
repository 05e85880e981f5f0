"""The pipeline file is validated whole, before any work: each bad input is one located line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest

from colloquy.config import load_settings
from colloquy.errors import ConfigError
from colloquy.pipelines.spec.checks import check_pipeline
from colloquy.pipelines.spec.data import ClassificationData, TextData
from colloquy.pipelines.spec.loader import load_pipeline

INTENT = """\
name: demo
task: intent
data:
  path: rows.csv
  text_column: text
  label_column: intent
stages:
  ingest: {}
  split: {}
  train: {params: {method: tfidf}}
  evaluate: {}
tracking: {enabled: false}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    pd.DataFrame(
        {"text": [f"message {i}" for i in range(12)], "intent": ["a", "b", "c"] * 4}
    ).to_csv(tmp_path / "rows.csv", index=False)
    pd.DataFrame(
        {"age": [30, 40, 50, 60], "plan": ["x", "y", "x", "y"], "churn": [0, 1, 0, 1]}
    ).to_csv(tmp_path / "table.csv", index=False)
    return tmp_path


def write(folder: Path, text: str, name: str = "pipeline.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


def assert_located(exc: ConfigError, path: Path, needle: str, key: str) -> None:
    message = str(exc)
    assert "\n" not in message
    assert f"{path.resolve()}:{line_of(path, needle)}" in message, message
    assert key in message, message


def test_a_valid_file_plans_every_stage_with_its_inputs(folder: Path) -> None:
    pipeline = load_pipeline(write(folder, INTENT))
    assert [s.stage for s in pipeline.stages] == ["ingest", "split", "train", "evaluate"]
    assert pipeline.stage("evaluate") is not None
    assert dict(pipeline.stages[3].inputs) == {"model": "train", "splits": "split"}
    assert isinstance(pipeline.facts.data, TextData)
    assert pipeline.facts.data.path == (folder / "rows.csv").resolve()


def test_defaults_apply_when_stages_are_left_out(folder: Path) -> None:
    text = INTENT.split("stages:")[0] + "tracking: {enabled: false}\n"
    pipeline = load_pipeline(write(folder, text))
    assert [s.component.reference for s in pipeline.stages] == [
        "table",
        "stratified",
        "intent",
        "intent",
    ]


def test_unknown_stage(folder: Path) -> None:
    path = write(folder, INTENT.replace("  split: {}", "  splitt: {}"))
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path)
    assert_located(caught.value, path, "splitt", "'stages.splitt'")


def test_unknown_component(folder: Path) -> None:
    path = write(folder, INTENT.replace("train: {params", "train: {component: forest, params"))
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path)
    assert_located(caught.value, path, "forest", "stages.train.component")
    assert "intent" in (caught.value.hint or "")  # lists the built-ins


def test_a_component_of_another_stage_is_refused(folder: Path) -> None:
    reference = "colloquy.pipelines.components.split_rows:SplitRows"
    named = f"train: {{component: '{reference}', params"
    path = write(folder, INTENT.replace("train: {params", named))
    with pytest.raises(ConfigError, match="is a split component, not a train component"):
        load_pipeline(path)


def test_unknown_parameter_of_a_component(folder: Path) -> None:
    path = write(folder, INTENT.replace("method: tfidf", "methd: tfidf"))
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path)
    assert_located(caught.value, path, "methd", "stages.train.params.methd")


TUNE = """\
  tune:
    params:
      n_trials: 3
      sampler: {sampler}
      base: {{method: tfidf}}
      space:
        C: {{type: float, low: {low}, high: {high}, log: true}}
"""


def tuned(sampler: str = "tpe", low: float = 0.1, high: float = 10.0) -> str:
    block = TUNE.format(sampler=sampler, low=low, high=high)
    return INTENT.replace("  evaluate: {}\n", block + "  evaluate: {}\n")


def test_unknown_sampler(folder: Path) -> None:
    path = write(folder, tuned(sampler="annealing"))
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path)
    assert_located(caught.value, path, "sampler: annealing", "stages.tune.params.sampler")


@pytest.mark.parametrize(("low", "high"), [(10.0, 0.1), (1.0, 1.0)])
def test_inverted_or_empty_search_range(folder: Path, low: float, high: float) -> None:
    path = write(folder, tuned(low=low, high=high))
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path)
    assert_located(caught.value, path, "C: {type", "stages.tune.params.space.C")


def test_a_stage_whose_input_no_earlier_stage_provides(folder: Path) -> None:
    path = write(folder, INTENT.replace("  train: {params: {method: tfidf}}\n", ""))
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path)
    assert_located(caught.value, path, "evaluate", "'stages.evaluate'")
    assert "needs the model" in str(caught.value)
    assert "train stage" in str(caught.value)


def test_stages_out_of_order(folder: Path) -> None:
    text = INTENT.replace("  ingest: {}\n  split: {}\n", "  split: {}\n  ingest: {}\n")
    path = write(folder, text)
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path)
    assert_located(caught.value, path, "  ingest", "'stages.ingest'")


def test_data_keys_follow_the_task(folder: Path) -> None:
    path = write(folder, INTENT.replace("  text_column: text", "  target: text"))
    with pytest.raises(ConfigError) as caught:
        load_pipeline(path)
    assert_located(caught.value, path, "target: text", "data.target")


def test_a_column_absent_from_the_text_file(folder: Path) -> None:
    path = write(folder, INTENT.replace("label_column: intent", "label_column: topic"))
    with pytest.raises(ConfigError) as caught:
        check_pipeline(load_pipeline(path), load_settings())
    assert_located(caught.value, path, "label_column", "data.label_column")
    assert "topic" in str(caught.value)


CLASSIFICATION = """\
name: churn
task: classification
data:
  source: {path: table.csv}
  target: churn
  features:
    - {name: age, kind: numeric}
    - {name: plann, kind: categorical}
tracking: {enabled: false}
"""


def test_a_feature_column_absent_from_the_table(folder: Path) -> None:
    path = write(folder, CLASSIFICATION)
    pipeline = load_pipeline(path)
    assert isinstance(pipeline.facts.data, ClassificationData)
    with pytest.raises(ConfigError) as caught:
        check_pipeline(pipeline, load_settings())
    assert_located(caught.value, path, "plann", "data.features.1.name")
    assert "age, plan, churn" in str(caught.value)


def test_an_unknown_trainer_parameter(folder: Path) -> None:
    text = CLASSIFICATION.replace("plann", "plan") + (
        "stages:\n  ingest: {}\n  split: {}\n"
        "  train: {params: {trainer: {name: logistic_regression, params: {depth: 3}}}}\n"
    )
    path = write(folder, text)
    with pytest.raises(ConfigError) as caught:
        check_pipeline(load_pipeline(path), load_settings())
    assert_located(caught.value, path, "depth", "stages.train.params.trainer.params")


def test_an_unreachable_tracking_uri(folder: Path) -> None:
    text = INTENT.replace("tracking: {enabled: false}", "tracking: {uri: 'http://127.0.0.1:9'}")
    path = write(folder, text)
    with pytest.raises(ConfigError) as caught:
        check_pipeline(load_pipeline(path), load_settings())
    assert_located(caught.value, path, "http://127.0.0.1:9", "tracking.uri")


def test_an_unreachable_postgresql_study_storage(folder: Path) -> None:
    storage = "postgresql+psycopg://nobody@127.0.0.1:9/studies"
    text = tuned().replace("      base:", f"      storage: '{storage}'\n      base:")
    path = write(folder, text)
    with pytest.raises(ConfigError) as caught:
        check_pipeline(load_pipeline(path), load_settings())
    assert_located(caught.value, path, "storage:", "stages.tune.params.storage")


def test_extends_and_variables(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(folder, INTENT.replace("path: rows.csv", "path: ${ROWS_FILE:-rows.csv}"), "base.yaml")
    child = write(folder, "extends: base.yaml\nseed: 7\nname: child\n", "child.yaml")
    pipeline = load_pipeline(child)
    assert pipeline.spec.seed == 7
    assert pipeline.spec.name == "child"
    before = pipeline.sha256
    monkeypatch.setenv("ROWS_FILE", "other.csv")
    changed = load_pipeline(child)
    assert changed.sha256 != before
    assert isinstance(changed.facts.data, TextData)
    assert changed.facts.data.path == (folder / "other.csv").resolve()


def test_the_hash_changes_with_the_file(folder: Path) -> None:
    path = write(folder, INTENT)
    first = load_pipeline(path).sha256
    assert load_pipeline(path).sha256 == first
    write(folder, INTENT.replace("method: tfidf", "method: tfidf, C: 2.0"))
    assert load_pipeline(path).sha256 != first


def test_a_path_is_relative_to_the_file_that_sets_it(folder: Path) -> None:
    (folder / "base").mkdir()
    write(folder, INTENT.replace("path: rows.csv", "path: ../rows.csv"), "base/base.yaml")
    (folder / "runs").mkdir()
    child = write(folder, "extends: ../base/base.yaml\nname: child\n", "runs/child.yaml")
    data = load_pipeline(child).facts.data
    assert isinstance(data, TextData)
    assert data.path == (folder / "rows.csv").resolve()
