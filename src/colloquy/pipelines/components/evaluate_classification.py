"""``evaluate: classification``: score the tabular model once on the test split, with a
report folder and the test predictions the register stage compares with the champion's."""

from __future__ import annotations

from typing import ClassVar, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from colloquy.pipelines.components.base import (
    EVALUATION,
    MODEL,
    SPLITS,
    Component,
    StageContext,
    StageInputs,
    StageOutput,
)
from colloquy.pipelines.components.evaluate_intent import PREDICTIONS_FILE, REPORT_DIR
from colloquy.pipelines.components.frames import read_split
from colloquy.pipelines.components.train_classification import CUSTOM_FUNCTIONS, MODEL_DIR
from colloquy.pipelines.spec.data import ClassificationData
from colloquy.pipelines.spec.schema import Task


class EvaluateClassificationParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: Literal["accuracy", "macro_f1", "weighted_f1"] = Field(
        default="accuracy", description="The headline metric"
    )


def trusted_functions(model: StageOutput) -> tuple[str, ...]:
    """The custom functions the train stage took from the pipeline file (the user's own
    code, so trusted), recorded in its output."""
    named = model.info.get(CUSTOM_FUNCTIONS)
    return tuple(name for name in str(named or "").split(",") if name)


class EvaluateClassification(Component):
    stage = "evaluate"
    tasks: ClassVar[tuple[Task, ...]] = ("classification",)
    params_model = EvaluateClassificationParams
    requires = (MODEL, SPLITS)
    provides = (EVALUATION,)

    def run(self, context: StageContext, inputs: StageInputs) -> StageOutput:
        from colloquy.evaluation import write_classification_report
        from colloquy.models.tabular import TabularModel, evaluate_classification

        data = context.pipeline.data
        assert isinstance(data, ClassificationData)
        model = TabularModel.load(
            inputs.directory(MODEL) / MODEL_DIR,
            trusted_functions=trusted_functions(inputs.output(MODEL)),
        )
        test = read_split(inputs.directory(SPLITS), "test")
        metrics = evaluate_classification(
            model, test, target=data.target, seed=context.pipeline.seed
        )
        predicted = model.predict(test)
        pd.DataFrame(
            {"y_true": test[data.target].astype(str), "y_pred": predicted.astype(str)}
        ).to_parquet(context.output / PREDICTIONS_FILE, index=False)
        title = f"{context.pipeline.name}: classification model on the test split"
        write_classification_report(metrics, context.output / REPORT_DIR, title=title)
        scores = {
            "test_n": float(metrics.n),
            "test_accuracy": metrics.accuracy,
            "test_macro_f1": metrics.macro_f1,
            "test_weighted_f1": metrics.weighted_f1,
        }
        from colloquy.monitoring.model_reference import record_table_model_reference

        seen = pd.concat([read_split(inputs.directory(SPLITS), s) for s in ("train", "validation")])
        reference = record_table_model_reference(
            context.settings,
            context.output,
            model=context.pipeline.register.model_name or context.pipeline.name,
            source=f"pipeline {context.pipeline.name}, run {context.run_id}",
            training=seen,
            label_field=data.target,
            predictions=predicted.astype(str).tolist(),
        )
        metric = f"test_{context.typed(EvaluateClassificationParams).metric}"
        return StageOutput(
            metrics=scores,
            info={"metric": metric, "score": scores[metric], "reference": reference.describe()},
            artifacts=(REPORT_DIR, PREDICTIONS_FILE),
        )
