"""``train: intent``: fit colloquy's intent classifier on the training and validation rows.

The parameters are :class:`colloquy.pipelines.intent.IntentTrainingConfig` (method, head,
encoder model, C, TF-IDF weight, …); the pipeline's ``seed`` replaces the config's, so one
number seeds the whole run; a ``device`` the params leave unset is the
``execution.device`` setting. Training time is reported in the run record, not as a metric:
metrics are what a resumed run must reproduce exactly."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import ClassVar

import pandas as pd

from colloquy.pipelines.components.base import (
    MODEL,
    SPLITS,
    Component,
    StageContext,
    StageInputs,
    StageOutput,
)
from colloquy.pipelines.components.frames import LABEL, TEXT, read_split
from colloquy.pipelines.intent import IntentTrainingConfig
from colloquy.pipelines.spec.data import TextData
from colloquy.pipelines.spec.schema import Task

MODEL_DIR = "model"


def fit_intent(
    context: StageContext, splits: Path, config: IntentTrainingConfig, output: Path
) -> StageOutput:
    """Fit on training + validation rows of ``splits`` into ``output``; the stage's record."""
    from colloquy.pipelines.intent import train_intent

    data = context.pipeline.data
    assert isinstance(data, TextData)
    frame = pd.concat([read_split(splits, "train"), read_split(splits, "validation")])
    device = config.device or context.settings.execution.device
    config = config.model_copy(update={"seed": context.pipeline.seed, "device": device})
    with tempfile.TemporaryDirectory(prefix="colloquy-train-") as scratch:
        table = Path(scratch) / "train.parquet"
        frame.to_parquet(table, index=False)
        manifest = train_intent(
            table,
            text_column=TEXT,
            label_column=LABEL,
            output=output,
            config=config,
            oos_label=data.oos_label,
            cache_path=context.embedding_cache,
            progress=context.progress,
        )
    metrics = manifest.metrics
    scores = {
        "training_rows": float(metrics.training_rows),
        "classes": float(metrics.classes),
        "tfidf_weight": float(manifest.tfidf_weight),
    }
    if metrics.validation_accuracy is not None:
        scores["validation_accuracy"] = metrics.validation_accuracy
    return StageOutput(
        metrics=scores,
        info={"method": manifest.method, "head": manifest.head, "model": config.model},
    )


class TrainIntent(Component):
    stage = "train"
    tasks: ClassVar[tuple[Task, ...]] = ("intent",)
    params_model = IntentTrainingConfig
    requires = (SPLITS,)
    provides = (MODEL,)

    def run(self, context: StageContext, inputs: StageInputs) -> StageOutput:
        config = context.typed(IntentTrainingConfig)
        return fit_intent(context, inputs.directory(SPLITS), config, context.output / MODEL_DIR)
