"""``split: grouped``: a seeded train / test split of labelled conversations that keeps
each group (a persuadee, a negotiation scenario) on one side, so no customer is seen in
training and scored in test."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from colloquy.pipelines.components.base import (
    ROWS,
    SPLITS,
    Component,
    StageContext,
    StageInputs,
    StageOutput,
)
from colloquy.pipelines.components.ingest_conv import CONVERSATIONS_FILE, LABELS_FILE
from colloquy.pipelines.spec.data import ConversionData
from colloquy.pipelines.spec.schema import Task
from colloquy.schema import Conversation

SPLIT_FILE = "split.parquet"


class GroupSplitParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    test_fraction: float = Field(default=0.2, gt=0, lt=1, description="Share of groups held out")
    group_field: str | None = Field(
        default=None, description="Metadata field grouping conversations; empty: the source's"
    )


def _read(directory: Path, split: str) -> tuple[list[Conversation], list[bool]]:
    from colloquy.data.loaders import get_loader

    frame = pd.read_parquet(directory / SPLIT_FILE)
    wanted = frame[frame["split"] == split]
    labels = dict(zip(wanted["conversation_id"], wanted["label"], strict=True))
    conversations = [
        c
        for c in get_loader("conversations").load(directory / CONVERSATIONS_FILE)
        if c.id in labels
    ]
    return conversations, [bool(labels[c.id]) for c in conversations]


def train_conversations(splits: Path) -> tuple[list[Conversation], list[bool]]:
    """The training conversations of a grouped split, with their outcomes."""
    return _read(splits, "train")


def test_conversations(splits: Path) -> tuple[list[Conversation], list[bool]]:
    """The test conversations of a grouped split, with their outcomes."""
    return _read(splits, "test")


class SplitConv(Component):
    stage = "split"
    tasks: ClassVar[tuple[Task, ...]] = ("conversion",)
    params_model = GroupSplitParams
    requires = (ROWS,)
    provides = (SPLITS,)

    def run(self, context: StageContext, inputs: StageInputs) -> StageOutput:
        import shutil

        from sklearn.model_selection import GroupShuffleSplit

        from colloquy.data.loaders import get_loader
        from colloquy.pipelines.conversion import conversation_groups

        params = context.typed(GroupSplitParams)
        data = context.pipeline.data
        assert isinstance(data, ConversionData)
        rows = inputs.directory(ROWS)
        conversations = list(get_loader("conversations").load(rows / CONVERSATIONS_FILE))
        labels = pd.read_parquet(rows / LABELS_FILE)
        groups = conversation_groups(conversations, data.source, params.group_field)
        keys = groups if groups is not None else [c.id for c in conversations]
        splitter = GroupShuffleSplit(
            n_splits=1, test_size=params.test_fraction, random_state=context.pipeline.seed
        )
        _, test_index = next(splitter.split(np.zeros(len(keys)), groups=keys))
        side = np.full(len(conversations), "train", dtype=object)
        side[test_index] = "test"
        by_id = dict(zip(labels["conversation_id"], labels["label"], strict=True))
        frame = pd.DataFrame(
            {
                "conversation_id": [c.id for c in conversations],
                "label": [bool(by_id[c.id]) for c in conversations],
                "split": side,
            }
        )
        frame.to_parquet(context.output / SPLIT_FILE, index=False)
        shutil.copyfile(rows / CONVERSATIONS_FILE, context.output / CONVERSATIONS_FILE)
        test = frame[frame["split"] == "test"]
        return StageOutput(
            metrics={
                "train_conversations": float(len(frame) - len(test)),
                "test_conversations": float(len(test)),
                "test_positives": float(test["label"].sum()),
            }
        )
