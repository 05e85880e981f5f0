"""The ``data`` section of a pipeline file, one model per task.

Paths are written relative to the pipeline file (``${COLLOQUY_DATA_DIR:-…}`` works), and
:func:`resolve_paths` makes them absolute when the file is loaded, so a run behaves the
same from any working directory.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from colloquy.data.rows.source import RowSource
from colloquy.models.choices import Source
from colloquy.models.tabular.config import FeatureSpec
from colloquy.pipelines.spec.schema import Task


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextData(_Strict):
    """Labelled texts for ``task: intent``: a CSV / JSONL / Parquet file, optionally with
    an official test file, or a stored dataset's snapshot (``colloquy data version``)."""

    path: Path | None = Field(default=None, description="The labelled table (training rows)")
    test_path: Path | None = Field(
        default=None,
        description="An official test table; empty: the split stage holds out test rows",
    )
    dataset: str | None = Field(
        default=None,
        description="A stored dataset name (its snapshot at `version` is read) instead of path",
    )
    version: str | None = Field(
        default=None,
        description="The content version the data must have (fails clearly when it differs)",
    )
    text_column: str = Field(default="text", min_length=1, description="Column of the message")
    label_column: str = Field(default="label", min_length=1, description="Column of its intent")
    oos_label: str | None = Field(default=None, description="The out-of-scope label, if any")

    @model_validator(mode="after")
    def _one_origin(self) -> TextData:
        if (self.path is None) == (self.dataset is None):
            raise ValueError("give either 'path' (a file) or 'dataset' (a stored dataset)")
        if self.dataset is not None and self.version is None:
            raise ValueError("a stored 'dataset' needs its 'version' (`colloquy data version`)")
        if self.dataset is not None and self.test_path is not None:
            raise ValueError("'test_path' goes with 'path', not with a stored 'dataset'")
        return self


class ConversionData(_Strict):
    """Conversations with outcomes for ``task: conversion``."""

    source: Source = Field(description="persuasion4good, craigslist_bargain or jsonl")
    path: Path = Field(description="The source's folder or file")
    version: str | None = Field(default=None, description="Expected content version")
    min_price_ratio: float | None = Field(
        default=None, gt=0, description="craigslist_bargain: a deal counts at this ratio or better"
    )


class ClassificationData(_Strict):
    """A table of rows for ``task: classification``: its source, target and features."""

    source: RowSource = Field(description="`path` (CSV/JSONL/Parquet) or `url` + `query` (SQL)")
    target: str = Field(min_length=1, description="The column holding the class")
    features: tuple[FeatureSpec, ...] = Field(
        min_length=1, description="Input columns, each `{name, kind: numeric|categorical|text}`"
    )
    version: str | None = Field(default=None, description="Expected content version")

    @model_validator(mode="after")
    def _target_not_feature(self) -> ClassificationData:
        names = [feature.name for feature in self.features]
        if self.target in names:
            raise ValueError(f"the target {self.target!r} is also listed as a feature")
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"feature(s) {', '.join(repeated)} listed more than once")
        return self


DataSpec = TextData | ConversionData | ClassificationData

DATA_MODELS: dict[Task, type[TextData] | type[ConversionData] | type[ClassificationData]] = {
    "intent": TextData,
    "conversion": ConversionData,
    "classification": ClassificationData,
}


def resolve_paths(data: DataSpec, base_for: Callable[[tuple[str, ...]], Path]) -> DataSpec:
    """``data`` with each relative file path taken relative to the folder of the file that
    set it (``base_for(key)``: a path in a base file of ``extends`` is relative to that file)."""

    def absolute(path: Path | None, *key: str) -> Path | None:
        if path is None:
            return None
        expanded = path.expanduser()
        if expanded.is_absolute():
            return expanded
        return (base_for(("data", *key)) / expanded).resolve()

    if isinstance(data, TextData):
        return data.model_copy(
            update={
                "path": absolute(data.path, "path"),
                "test_path": absolute(data.test_path, "test_path"),
            }
        )
    if isinstance(data, ConversionData):
        return data.model_copy(update={"path": absolute(data.path, "path")})
    if data.source.path is None:
        return data
    source = data.source.model_copy(update={"path": absolute(data.source.path, "source", "path")})
    return data.model_copy(update={"source": source})
