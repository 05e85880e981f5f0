"""Conversion models in batch: P(convert) of every conversation, scored a chunk at a time.

Only the cheap, batched probability is computed; explanations and insights stay with
``colloquy predict conversion``, which answers one conversation at length.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from colloquy.errors import DataError
from colloquy.pipelines.batch.adapters.base import BatchModel
from colloquy.schema import Conversation

if TYPE_CHECKING:
    from colloquy.pipelines.conversion_model import ConversionModel

CONVERSION_SCHEMA = pa.schema([("probability", pa.float64())])


class ConversionBatchModel(BatchModel[Conversation]):
    kind = "conversion"
    input_kind = "conversations"

    def __init__(self, model: ConversionModel, *, name: str, version: str, sha256: str) -> None:
        super().__init__(name=name, version=version, sha256=sha256)
        self.model = model

    @property
    def schema(self) -> pa.Schema:
        return CONVERSION_SCHEMA

    def predict(self, items: Sequence[Conversation | None]) -> dict[str, list[Any]]:
        conversations = [c for c in items if c is not None]
        if len(conversations) != len(items):
            raise DataError("a conversion batch holds an empty row", hint="remove it")
        return {"probability": self.model.probabilities(conversations)}
