"""Intent models in batch: the label and confidence of every text, nulls for blank rows.

A blank text is kept as a row with no prediction rather than failing the whole batch (the
single-text API refuses it, since a label for nothing means nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from colloquy.pipelines.batch.adapters.base import BatchModel

if TYPE_CHECKING:
    from colloquy.pipelines.intent import IntentModel

INTENT_SCHEMA = pa.schema(
    [("text", pa.string()), ("intent", pa.string()), ("confidence", pa.float64())]
)


class IntentBatchModel(BatchModel[str]):
    kind = "intent"
    input_kind = "texts"

    def __init__(self, model: IntentModel, *, name: str, version: str, sha256: str) -> None:
        super().__init__(name=name, version=version, sha256=sha256)
        self.model = model

    @property
    def schema(self) -> pa.Schema:
        return INTENT_SCHEMA

    def predict(self, items: Sequence[str | None]) -> dict[str, list[Any]]:
        texts = [text for text in items if text is not None]
        predictions = iter(self.model.predict(texts) if texts else [])
        intents: list[str | None] = []
        confidences: list[float | None] = []
        for text in items:
            if text is None:
                intents.append(None)
                confidences.append(None)
                continue
            prediction = next(predictions)
            intents.append(prediction.intent)
            confidences.append(prediction.confidence)
        return {"text": list(items), "intent": intents, "confidence": confidences}
