"""``clean: text``: normalise whitespace, drop empty texts and exact duplicates.

Rows of an official test file are never dropped, so its scores stay comparable with
published ones."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from colloquy.pipelines.components.base import (
    ROWS,
    Component,
    StageContext,
    StageInputs,
    StageOutput,
)
from colloquy.pipelines.components.frames import OFFICIAL_TEST, ROWS_FILE, TEXT, write_rows
from colloquy.pipelines.spec.data import ClassificationData
from colloquy.pipelines.spec.schema import Task


class CleanParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    collapse_whitespace: bool = Field(default=True, description="Runs of spaces become one")
    lowercase: bool = Field(default=False, description="Lower-case every text")
    drop_empty: bool = Field(default=True, description="Drop rows whose text is empty")
    drop_duplicates: bool = Field(default=True, description="Drop exact duplicate rows")


class CleanText(Component):
    stage = "clean"
    tasks: ClassVar[tuple[Task, ...]] = ("intent", "classification")
    params_model = CleanParams
    requires = (ROWS,)
    provides = (ROWS,)

    def run(self, context: StageContext, inputs: StageInputs) -> StageOutput:
        params = context.typed(CleanParams)
        frame = pd.read_parquet(inputs.directory(ROWS) / ROWS_FILE)
        before = len(frame)
        data = context.pipeline.data
        columns = (
            [f.name for f in data.features if f.kind == "text"]
            if isinstance(data, ClassificationData)
            else [TEXT]
        )
        official = (
            frame[OFFICIAL_TEST].astype(bool)
            if OFFICIAL_TEST in frame.columns
            else pd.Series(False, index=frame.index)
        )
        for column in columns:
            text = frame[column].fillna("").astype(str)
            if params.collapse_whitespace:
                text = text.str.split().str.join(" ")
            if params.lowercase:
                text = text.str.lower()
            frame[column] = text
            if params.drop_empty:
                frame = frame[(frame[column].str.len() > 0) | official.loc[frame.index]]
        empty = before - len(frame)
        if params.drop_duplicates:
            kept = official.loc[frame.index]
            frame = frame[~frame.duplicated() | kept]
        write_rows(frame, context.output / ROWS_FILE)
        return StageOutput(
            metrics={
                "rows": float(len(frame)),
                "empty_dropped": float(empty),
                "duplicates_dropped": float(before - empty - len(frame)),
            }
        )
