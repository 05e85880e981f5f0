"""``train: conversion``: fit colloquy's conversion predictor on the training side of a
grouped split; the parameters are :class:`~colloquy.pipelines.conversion.ConversionTrainingConfig`
(the pipeline's ``seed`` replaces the config's; ``device`` unset means the
``execution.device`` setting, and the inner cross-validation runs on the ``execution``
backend)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from colloquy.pipelines.components.base import (
    MODEL,
    SPLITS,
    Component,
    StageContext,
    StageInputs,
    StageOutput,
)
from colloquy.pipelines.components.split_conv import train_conversations
from colloquy.pipelines.components.train_intent import MODEL_DIR
from colloquy.pipelines.conversion import ConversionTrainingConfig
from colloquy.pipelines.spec.data import ConversionData
from colloquy.pipelines.spec.schema import Task


class TrainConversion(Component):
    stage = "train"
    tasks: ClassVar[tuple[Task, ...]] = ("conversion",)
    params_model = ConversionTrainingConfig
    requires = (SPLITS,)
    provides = (MODEL,)

    def run(self, context: StageContext, inputs: StageInputs) -> StageOutput:
        from colloquy.pipelines.conversion import build_predictor, conversation_groups
        from colloquy.pipelines.records import ConversionTrainingMetrics

        data = context.pipeline.data
        assert isinstance(data, ConversionData)
        from colloquy.execution import open_backend

        config = context.typed(ConversionTrainingConfig)
        device = config.device or context.settings.execution.device
        config = config.model_copy(update={"seed": context.pipeline.seed, "device": device})
        conversations, labels = train_conversations(inputs.directory(SPLITS))
        predictor = build_predictor(
            config, data.source, cache_path=context.embedding_cache, progress=context.progress
        )
        groups = conversation_groups(conversations, data.source, config.group_field)
        # The inner cross-validation's fits on the configured backend (local by default).
        with open_backend(context.settings) as execution:
            predictor.fit(conversations, labels, groups=groups, execution=execution)
        metrics = ConversionTrainingMetrics(
            source=data.source,
            training_conversations=len(conversations),
            unlabelled_left_out=0,
            no_customer_turn_left_out=0,
            min_price_ratio=data.min_price_ratio,
            converted_share=round(float(np.mean(labels)), 4),
            training_seconds=0.0,
        )
        predictor.save(context.output / MODEL_DIR, metrics=metrics.model_dump(mode="json"))
        return StageOutput(
            metrics={
                "training_conversations": float(len(conversations)),
                "converted_share": metrics.converted_share,
            },
            info={"head": config.head},
        )
