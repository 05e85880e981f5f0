"""The models batch prediction serves: one adapter per model kind, behind :class:`BatchModel`."""

from colloquy.pipelines.batch.adapters.base import BatchModel
from colloquy.pipelines.batch.adapters.loading import (
    ModelSource,
    load_batch_model,
    model_kind,
    resolve_reference,
)

__all__ = ["BatchModel", "ModelSource", "load_batch_model", "model_kind", "resolve_reference"]
