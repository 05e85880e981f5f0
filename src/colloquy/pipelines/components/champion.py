"""Predicting the test split's labels with any saved model of the pipeline's task, so the
register stage can compare the new model with the current champion on the same rows."""

from __future__ import annotations

from pathlib import Path

from colloquy.pipelines.components.frames import TEXT, read_split
from colloquy.pipelines.spec.data import ClassificationData, ConversionData, DataSpec


def predict_test_labels(data: DataSpec, model_dir: Path, splits: Path, home: Path) -> list[str]:
    """The labels ``model_dir`` gives the test rows of ``splits`` (as the evaluate stage's
    ``y_pred`` column is written: conversion models answer ``True`` / ``False`` at 0.5)."""
    if isinstance(data, ConversionData):
        from colloquy.features.embeddings.cache import default_cache_path
        from colloquy.models.conversion import ConversionPredictor
        from colloquy.pipelines.components.split_conv import test_conversations
        from colloquy.pipelines.conversion import cached_embedder

        conversations, _ = test_conversations(splits)
        predictor = ConversionPredictor.load(
            model_dir, embedder=cached_embedder(model_dir, default_cache_path(home))
        )
        return [str(bool(p >= 0.5)) for p in predictor.prefix_proba(conversations)]
    test = read_split(splits, "test")
    if isinstance(data, ClassificationData):
        from colloquy.models.tabular import TabularModel

        return [str(label) for label in TabularModel.load(model_dir).predict(test)]
    from colloquy.pipelines.intent import load_intent_model

    model = load_intent_model(model_dir)
    proba = model.classifier.predict_proba(test[TEXT].astype(str).tolist())
    return [str(label) for label in model.classifier.decide(proba)]
