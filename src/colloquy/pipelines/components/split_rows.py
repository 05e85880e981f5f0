"""``split: stratified``: seeded, stratified train / validation / test splits of rows.

An intent pipeline with an official test file keeps those rows as the test split; the
rest are split into training and validation. Validation rows serve tuning only: the
train stage fits on training plus validation (the full training data), and the test split
is scored once, by the evaluate stage."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from colloquy.errors import DataError
from colloquy.pipelines.components.base import (
    ROWS,
    SPLITS,
    Component,
    StageContext,
    StageInputs,
    StageOutput,
)
from colloquy.pipelines.components.frames import (
    LABEL,
    OFFICIAL_TEST,
    ROWS_FILE,
    SPLIT_FILES,
    write_rows,
)
from colloquy.pipelines.spec.data import ClassificationData
from colloquy.pipelines.spec.schema import Task


class SplitParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    test_fraction: float = Field(
        default=0.2, gt=0, lt=1, description="Rows held out for test (no official test file)"
    )
    validation_fraction: float = Field(
        default=0.1, gt=0, lt=1, description="Share of the remaining rows kept for tuning"
    )


class SplitRows(Component):
    stage = "split"
    tasks: ClassVar[tuple[Task, ...]] = ("intent", "classification")
    params_model = SplitParams
    requires = (ROWS,)
    provides = (SPLITS,)

    def run(self, context: StageContext, inputs: StageInputs) -> StageOutput:
        params = context.typed(SplitParams)
        frame = pd.read_parquet(inputs.directory(ROWS) / ROWS_FILE)
        data = context.pipeline.data
        label = data.target if isinstance(data, ClassificationData) else LABEL
        seed = context.pipeline.seed
        if OFFICIAL_TEST in frame.columns and frame[OFFICIAL_TEST].any():
            test = frame[frame[OFFICIAL_TEST]]
            rest = frame[~frame[OFFICIAL_TEST]]
        else:
            rest, test = _split(frame, label, params.test_fraction, seed)
        train, validation = _split(rest, label, params.validation_fraction, seed)
        parts = {"train": train, "validation": validation, "test": test}
        for name, part in parts.items():
            write_rows(
                part.drop(columns=[OFFICIAL_TEST], errors="ignore"),
                context.output / SPLIT_FILES[name],
            )
        return StageOutput(metrics={f"{name}_rows": float(len(p)) for name, p in parts.items()})


def _split(
    frame: pd.DataFrame, label: str, fraction: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    from sklearn.model_selection import train_test_split

    counts = frame[label].value_counts()
    stratify = frame[label] if len(counts) > 1 and counts.min() >= 2 else None
    try:
        kept, held = train_test_split(
            frame, test_size=fraction, random_state=seed, stratify=stratify
        )
    except ValueError as exc:
        raise DataError(
            f"cannot split {len(frame)} rows with {len(counts)} classes: {exc}",
            hint="give more rows per class or a larger fraction",
        ) from None
    return kept.sort_index(), held.sort_index()
