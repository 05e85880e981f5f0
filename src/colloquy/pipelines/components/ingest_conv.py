"""``ingest: conversations``: read a conversion source, keep the conversations with a
customer turn and a known outcome, and write them as colloquy JSONL with their labels
(conversations whose outcome is unknown are counted, never taken as "not converted")."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from colloquy.pipelines.components.base import (
    ROWS,
    CheckContext,
    Component,
    StageContext,
    StageInputs,
    StageOutput,
)
from colloquy.pipelines.spec.data import ConversionData
from colloquy.pipelines.spec.schema import Task

CONVERSATIONS_FILE = "conversations.jsonl"
LABELS_FILE = "labels.parquet"


class IngestConv(Component):
    stage = "ingest"
    tasks: ClassVar[tuple[Task, ...]] = ("conversion",)
    provides = (ROWS,)

    def check(self, context: CheckContext) -> None:
        data = context.pipeline.data
        assert isinstance(data, ConversionData)
        if not data.path.exists():
            raise context.fail(
                ("data", "path"),
                f"{data.path} does not exist",
                f"give the {data.source} folder or file (see `colloquy data fetch`)",
            )

    def run(self, context: StageContext, inputs: StageInputs) -> StageOutput:
        from colloquy.data.export import export_conversations
        from colloquy.pipelines.conversion import load_labelled

        data = context.pipeline.data
        assert isinstance(data, ConversionData)
        labelled = load_labelled(data.source, data.path, min_price_ratio=data.min_price_ratio)
        export_conversations(
            labelled.conversations, context.output / CONVERSATIONS_FILE, fmt="jsonl"
        )
        pd.DataFrame(
            {"conversation_id": [c.id for c in labelled.conversations], "label": labelled.labels}
        ).to_parquet(context.output / LABELS_FILE, index=False)
        return StageOutput(
            metrics={
                "conversations": float(len(labelled.conversations)),
                "positives": float(sum(labelled.labels)),
                "unlabelled_left_out": float(labelled.unlabelled),
                "no_customer_turn_left_out": float(labelled.no_customer_turn),
            },
            info={"source": data.source},
        )
