"""Tabular classification models in batch: the class and its probability for every row.

A chunk's rows become one DataFrame of the model's feature columns; the model's input
schema checks and coerces them exactly as at training time, so a file whose column holds
the wrong kind of values is refused with the column's name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from colloquy.errors import DataError
from colloquy.pipelines.batch.adapters.base import BatchModel

if TYPE_CHECKING:
    from colloquy.models.tabular import TabularModel

TABULAR_SCHEMA = pa.schema([("label", pa.string()), ("confidence", pa.float64())])
_CSV_TYPES = {"numeric": pa.float64(), "text": pa.string()}


class TabularBatchModel(BatchModel[dict[str, Any]]):
    kind = "classification"
    input_kind = "rows"

    def __init__(self, model: TabularModel, *, name: str, version: str, sha256: str) -> None:
        super().__init__(name=name, version=version, sha256=sha256)
        self.model = model
        self.columns = tuple(feature.name for feature in model.features)

    @property
    def column_types(self) -> Mapping[str, pa.DataType]:
        """How CSV cells of numeric and text features are read (categoricals as found)."""
        return {
            feature.name: _CSV_TYPES[feature.kind]
            for feature in self.model.features
            if feature.kind in _CSV_TYPES
        }

    @property
    def schema(self) -> pa.Schema:
        return TABULAR_SCHEMA

    def predict(self, items: Sequence[dict[str, Any] | None]) -> dict[str, list[Any]]:
        rows = [item for item in items if item is not None]
        if len(rows) != len(items):
            raise DataError("a tabular batch holds an empty row", hint="remove it")
        frame = pd.DataFrame.from_records(rows, columns=list(self.columns))
        proba = self.model.predict_proba(frame)
        best = proba.argmax(axis=1)
        labels = [str(label) for label in self.model.classes_[best]]
        return {"label": labels, "confidence": [float(p) for p in proba.max(axis=1)]}
