"""``evaluate: intent``: score the model once on the test split, with a report folder
(metrics, confusion matrix, calibration) and the test predictions the register stage
compares with the current champion's."""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
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
from colloquy.pipelines.components.frames import LABEL, TEXT, read_split
from colloquy.pipelines.components.train_intent import MODEL_DIR
from colloquy.pipelines.spec.data import TextData
from colloquy.pipelines.spec.schema import Task

PREDICTIONS_FILE = "predictions.parquet"
REPORT_DIR = "report"


class EvaluateParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: Literal["accuracy", "macro_f1", "weighted_f1"] = Field(
        default="accuracy", description="The headline metric (shown first, compared)"
    )


class EvaluateIntent(Component):
    stage = "evaluate"
    tasks: ClassVar[tuple[Task, ...]] = ("intent",)
    params_model = EvaluateParams
    requires = (MODEL, SPLITS)
    provides = (EVALUATION,)

    def run(self, context: StageContext, inputs: StageInputs) -> StageOutput:
        from colloquy.evaluation import classification_metrics, write_classification_report
        from colloquy.pipelines.intent import load_intent_model, oos_scores

        data = context.pipeline.data
        assert isinstance(data, TextData)
        model = load_intent_model(inputs.directory(MODEL) / MODEL_DIR)
        test = read_split(inputs.directory(SPLITS), "test")
        labels = test[LABEL].astype(str).to_numpy()
        proba = model.classifier.predict_proba(test[TEXT].astype(str).tolist())
        predicted = np.asarray(model.classifier.decide(proba)).astype(str)
        oos = data.oos_label or model.oos_label
        metrics = classification_metrics(
            list(labels),
            list(predicted),
            proba=proba if oos is None else None,
            classes=list(model.labels) if oos is None else None,
        )
        scores = {
            "test_n": float(metrics.n),
            "test_accuracy": metrics.accuracy,
            "test_macro_f1": metrics.macro_f1,
            "test_weighted_f1": metrics.weighted_f1,
        }
        if metrics.calibration is not None:
            scores["test_ece"] = metrics.calibration.ece
        if oos is not None:
            extra = oos_scores(labels, predicted, oos)
            scores.update({f"test_{k}": float(v) for k, v in extra.items() if v is not None})
        title = f"{context.pipeline.name}: intent model on the test split"
        write_classification_report(metrics, context.output / REPORT_DIR, title=title)
        pd.DataFrame({"y_true": labels, "y_pred": predicted}).to_parquet(
            context.output / PREDICTIONS_FILE, index=False
        )
        from colloquy.monitoring.model_reference import record_text_model_reference

        seen = pd.concat([read_split(inputs.directory(SPLITS), s) for s in ("train", "validation")])
        reference = record_text_model_reference(
            context.settings,
            context.output,
            model=context.pipeline.register.model_name or context.pipeline.name,
            source=f"pipeline {context.pipeline.name}, run {context.run_id}",
            texts=seen[TEXT].astype(str).tolist(),
            labels=seen[LABEL].astype(str).tolist(),
            text_field=data.text_column,
            label_field=data.label_column,
            predictions=predicted.tolist(),
            confidence=proba.max(axis=1).tolist(),
        )
        metric = context.typed(EvaluateParams).metric
        return StageOutput(
            metrics=scores,
            info={
                "metric": f"test_{metric}",
                "score": scores[f"test_{metric}"],
                "reference": reference.describe(),
            },
            artifacts=(REPORT_DIR, PREDICTIONS_FILE),
        )
