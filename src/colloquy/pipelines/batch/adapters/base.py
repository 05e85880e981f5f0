"""The model seam of batch prediction: one loaded model, asked one chunk at a time.

An adapter wraps a colloquy model that was loaded once and turns a chunk of inputs into
columns of predictions; the runner adds the row numbers, row ids and the model's name and
version, so every output row says which model made it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

import pyarrow as pa

from colloquy.pipelines.batch.records import InputKind, ModelKind

Item = TypeVar("Item")


class BatchModel(ABC, Generic[Item]):
    """A loaded model: ``name`` and ``version`` go into every row; ``sha256`` (the model
    directory's manifest digest) identifies it in the parts manifest."""

    kind: ModelKind
    input_kind: InputKind
    columns: tuple[str, ...] = ()
    """The input columns a model of table rows reads (empty for texts and conversations)."""

    def __init__(self, *, name: str, version: str, sha256: str) -> None:
        self.name = name
        self.version = version
        self.sha256 = sha256

    @property
    def column_types(self) -> Mapping[str, pa.DataType]:
        """How CSV cells of :attr:`columns` are read (empty: as pyarrow infers them)."""
        return {}

    @property
    @abstractmethod
    def schema(self) -> pa.Schema:
        """The prediction columns :meth:`predict` returns, in order."""

    @abstractmethod
    def predict(self, items: Sequence[Item | None]) -> dict[str, list[Any]]:
        """One value per item in each column of :attr:`schema`; ``None`` items get nulls."""
