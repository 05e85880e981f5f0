"""Batch inference: a saved model over a file or a stored dataset, chunked and resumable.

``colloquy predict batch`` and a pipeline's ``batch_predict`` stage both call
:func:`predict_batch`; inputs (:mod:`~colloquy.pipelines.batch.inputs`) and models
(:mod:`~colloquy.pipelines.batch.adapters`) are seams with one implementation per file.
"""

from colloquy.pipelines.batch.adapters import BatchModel, load_batch_model
from colloquy.pipelines.batch.inputs import BatchInput, Chunk
from colloquy.pipelines.batch.parts import parts_folder
from colloquy.pipelines.batch.records import BatchResult, PartsManifest
from colloquy.pipelines.batch.runner import STAGE, open_input, output_schema, predict_batch

__all__ = [
    "STAGE",
    "BatchInput",
    "BatchModel",
    "BatchResult",
    "Chunk",
    "PartsManifest",
    "load_batch_model",
    "open_input",
    "output_schema",
    "parts_folder",
    "predict_batch",
]
