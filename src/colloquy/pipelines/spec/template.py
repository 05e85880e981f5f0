"""Writing a new, valid, commented pipeline file from a few answers (``pipeline init``).

The answers are validated like the file itself would be; the text is rendered with a
comment on every key, so the user can edit it without opening the reference.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from colloquy.models.choices import Source
from colloquy.models.tabular.config import FeatureSpec
from colloquy.pipelines.spec.schema import Task

Metric = Literal["accuracy", "macro_f1", "weighted_f1", "roc_auc", "pr_auc"]
METRICS_BY_TASK: dict[Task, tuple[Metric, ...]] = {
    "intent": ("accuracy", "macro_f1", "weighted_f1"),
    "classification": ("accuracy", "macro_f1", "weighted_f1"),
    "conversion": ("roc_auc", "pr_auc"),
}


class InitAnswers(BaseModel):
    """What ``pipeline init`` asks for; the defaults are the ones it shows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(default="my-pipeline", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
    task: Task = "intent"
    data: Path = Field(description="The data file (or a conversion source's folder)")
    test_data: Path | None = None
    text_column: str = "text"
    label_column: str = "label"
    source: Source = "jsonl"
    target: str = "label"
    features: tuple[FeatureSpec, ...] = ()
    metric: Metric = "accuracy"
    tracking: bool = True

    @model_validator(mode="after")
    def _fits_task(self) -> InitAnswers:
        if self.metric not in METRICS_BY_TASK[self.task]:
            valid = ", ".join(METRICS_BY_TASK[self.task])
            raise ValueError(f"metric {self.metric!r} does not suit task {self.task}; use {valid}")
        if self.task == "classification" and not self.features:
            raise ValueError("a classification pipeline needs at least one feature column")
        return self


def _q(value: object) -> str:
    return json.dumps(str(value)) if isinstance(value, Path) else json.dumps(value)


def render_pipeline(answers: InitAnswers) -> str:
    """The pipeline file's text for ``answers``."""
    lines = [
        f"# colloquy pipeline ({answers.task}); reference: docs/pipelines.md",
        "# Run it: colloquy pipeline run THIS_FILE   (validate only: colloquy pipeline validate)",
        f"name: {_q(answers.name)}  # the registered model's name and the MLflow run name",
        f"task: {answers.task}",
        "seed: 0  # seeds every random choice: the same file gives the same metrics",
        "data:",
        *_data_lines(answers),
        "stages:",
        "  ingest: {}  # read the data once",
        "  split:  # seeded train / validation / test",
        "    params: {test_fraction: 0.2, validation_fraction: 0.1}",
        "  train:",
        *_train_lines(answers),
        "  evaluate:  # the test split, scored once",
        f"    params: {{metric: {answers.metric}}}  # the headline metric",
        "tracking:",
        f"  enabled: {str(answers.tracking).lower()}  # MLflow: params, metrics, artifacts",
        "retries: {attempts: 3, backoff_seconds: 1.0}  # transient failures only",
    ]
    return "\n".join(lines) + "\n"


def _data_lines(answers: InitAnswers) -> list[str]:
    if answers.task == "intent":
        lines = [f"  path: {_q(answers.data)}  # CSV, JSONL or Parquet, relative to this file"]
        if answers.test_data is not None:
            lines.append(f"  test_path: {_q(answers.test_data)}  # official test rows")
        return [
            *lines,
            f"  text_column: {_q(answers.text_column)}",
            f"  label_column: {_q(answers.label_column)}",
        ]
    if answers.task == "conversion":
        return [
            f"  source: {answers.source}  # persuasion4good, craigslist_bargain or jsonl",
            f"  path: {_q(answers.data)}",
        ]
    features = ", ".join(f"{{name: {_q(f.name)}, kind: {f.kind}}}" for f in answers.features)
    return [
        f"  source: {{path: {_q(answers.data)}}}  # or {{url: ..., query: SELECT ...}}",
        f"  target: {_q(answers.target)}  # the column to predict",
        f"  features: [{features}]",
    ]


def _train_lines(answers: InitAnswers) -> list[str]:
    if answers.task == "intent":
        return ["    params: {method: frozen, head: logreg, C: 10.0}  # MiniLM + logistic head"]
    if answers.task == "conversion":
        return ["    params: {head: auto}  # per-block logistic regression or LightGBM"]
    return [
        "    params:",
        "      trainer: {name: logistic_regression, params: {}}  # or xgboost, lightgbm, …",
    ]
