"""``train: classification``: fit the generic tabular model on the training and validation
rows of the split, with the preparation and trainer the stage's parameters declare.

Iterative trainers (XGBoost, LightGBM, the torch MLP) report a validation score after each
round or epoch; the stage logs those as per-step metrics of the tracked run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from colloquy.errors import ConfigError
from colloquy.models.tabular.config import PreprocessingConfig, TrainerSpec
from colloquy.pipelines.components.base import (
    MODEL,
    SPLITS,
    CheckContext,
    Component,
    StageContext,
    StageInputs,
    StageOutput,
)
from colloquy.pipelines.components.frames import read_split
from colloquy.pipelines.spec.data import ClassificationData
from colloquy.pipelines.spec.schema import Task

if TYPE_CHECKING:
    from colloquy.models.tabular import ClassificationTaskConfig

MODEL_DIR = "model"
CUSTOM_FUNCTIONS = "custom_functions"


class ClassificationParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    preprocessing: PreprocessingConfig = Field(
        default_factory=PreprocessingConfig,
        description="Per-kind preparation (numeric, categorical, text, custom functions)",
    )
    trainer: TrainerSpec = Field(
        default_factory=TrainerSpec, description="`{name, params}`: the estimator and its settings"
    )


def task_config(data: ClassificationData, params: ClassificationParams) -> ClassificationTaskConfig:
    """The tabular task the stage's data and parameters declare."""
    from colloquy.models.tabular import ClassificationTaskConfig

    return ClassificationTaskConfig(
        source=data.source,
        target=data.target,
        features=data.features,
        preprocessing=params.preprocessing,
        trainer=params.trainer,
    )


def fit_classification(
    context: StageContext, splits: Path, params: ClassificationParams, output: Path
) -> StageOutput:
    """Fit on training + validation rows, scored on the validation rows (what iterative
    trainers report per step), and save the model into ``output``."""
    from colloquy.models.tabular import fit_and_score

    data = context.pipeline.data
    assert isinstance(data, ClassificationData)
    config = task_config(data, params)
    train = pd.concat([read_split(splits, "train"), read_split(splits, "validation")])
    validation = read_split(splits, "validation")
    tracker = context.tracker

    def on_iteration(step: int, value: float) -> None:
        if tracker is not None:
            tracker.log_metrics({f"{context.stage}.validation_score": value}, step=step)

    model, metrics = fit_and_score(
        config, train, validation, seed=context.pipeline.seed, on_iteration=on_iteration
    )
    model.save(output)
    return StageOutput(
        metrics={
            "training_rows": float(len(train)),
            "classes": float(len(model.classes_)),
            "validation_accuracy": metrics.accuracy,
            "validation_macro_f1": metrics.macro_f1,
        },
        info={
            "trainer": params.trainer.name,
            CUSTOM_FUNCTIONS: ",".join(c.function for c in params.preprocessing.custom),
        },
    )


def check_params(context: CheckContext, params: ClassificationParams, key: tuple[str, ...]) -> None:
    """Refuse a trainer parameter the estimator does not take, before any work."""
    from colloquy.models.tabular.trainers import check_trainer

    try:
        check_trainer(params.trainer)
    except ConfigError as exc:
        raise context.fail(key, exc.message, exc.hint or "fix the trainer's params") from None


class TrainClassification(Component):
    stage = "train"
    tasks: ClassVar[tuple[Task, ...]] = ("classification",)
    params_model = ClassificationParams
    requires = (SPLITS,)
    provides = (MODEL,)

    def check(self, context: CheckContext) -> None:
        params = context.typed(ClassificationParams)
        check_params(context, params, ("stages", "train", "params", "trainer", "params"))

    def run(self, context: StageContext, inputs: StageInputs) -> StageOutput:
        params = context.typed(ClassificationParams)
        return fit_classification(
            context, inputs.directory(SPLITS), params, context.output / MODEL_DIR
        )
