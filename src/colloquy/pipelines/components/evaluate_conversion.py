"""``evaluate: conversion``: score the conversion model once on the held-out groups:
ROC-AUC (with its bootstrap interval), PR-AUC, Brier, log loss, lift, and a calibration
plot; the predictions are kept for the register stage's champion comparison."""

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
from colloquy.pipelines.components.evaluate_intent import PREDICTIONS_FILE
from colloquy.pipelines.components.split_conv import test_conversations, train_conversations
from colloquy.pipelines.components.train_intent import MODEL_DIR
from colloquy.pipelines.spec.schema import Task

PLOT_FILE = "calibration.png"


class EvaluateConversionParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: Literal["roc_auc", "pr_auc"] = Field(default="roc_auc", description="Headline metric")


class EvaluateConversion(Component):
    stage = "evaluate"
    tasks: ClassVar[tuple[Task, ...]] = ("conversion",)
    params_model = EvaluateConversionParams
    requires = (MODEL, SPLITS)
    provides = (EVALUATION,)

    def run(self, context: StageContext, inputs: StageInputs) -> StageOutput:
        from colloquy.evaluation import binary_metrics, calibration_curve_png
        from colloquy.models.conversion import ConversionPredictor
        from colloquy.pipelines.conversion import cached_embedder

        model_dir = inputs.directory(MODEL) / MODEL_DIR
        predictor = ConversionPredictor.load(
            model_dir, embedder=cached_embedder(model_dir, context.embedding_cache)
        )
        conversations, labels = test_conversations(inputs.directory(SPLITS))
        probability = predictor.prefix_proba(conversations)
        truth = np.asarray(labels, dtype=int)
        metrics = binary_metrics(truth, probability, seed=context.pipeline.seed)
        calibration_curve_png(truth, probability, context.output / PLOT_FILE)
        pd.DataFrame(
            {
                "y_true": [str(bool(v)) for v in labels],
                "y_pred": [str(bool(p >= 0.5)) for p in probability],
                "probability": probability,
            }
        ).to_parquet(context.output / PREDICTIONS_FILE, index=False)
        scores = {
            "test_n": float(metrics.n),
            "test_positives": float(metrics.positives),
            "test_roc_auc": float(metrics.roc_auc),
            "test_pr_auc": float(metrics.pr_auc),
            "test_brier": float(metrics.brier),
            "test_log_loss": float(metrics.log_loss),
        }
        scores = {k: v for k, v in scores.items() if np.isfinite(v)}
        from colloquy.monitoring.model_reference import record_conversation_model_reference

        seen, outcomes = train_conversations(inputs.directory(SPLITS))
        reference = record_conversation_model_reference(
            context.settings,
            context.output,
            model=context.pipeline.register.model_name or context.pipeline.name,
            source=f"pipeline {context.pipeline.name}, run {context.run_id}",
            conversations=seen,
            outcomes=outcomes,
            probability=probability.tolist(),
        )
        metric = f"test_{context.typed(EvaluateConversionParams).metric}"
        return StageOutput(
            metrics=scores,
            info={"metric": metric, "score": scores.get(metric), "reference": reference.describe()},
            artifacts=(PLOT_FILE, PREDICTIONS_FILE),
        )
