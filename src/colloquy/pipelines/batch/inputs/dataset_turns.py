"""The customer turns of a stored dataset, as texts for an intent model.

Conversations are streamed from the store a page at a time; each customer turn is one
row, identified as ``<conversation id>#<turn index>``. The fingerprint is the dataset's
content-addressed version, so parts written before an ingest changed it are refused.
"""

from __future__ import annotations

from collections.abc import Iterator

from colloquy.pipelines.batch.inputs.stored import StoredDatasetInput


class DatasetTurns(StoredDatasetInput[str]):
    """Every customer turn of the stored dataset ``name``."""

    kind = "texts"

    def options(self) -> dict[str, str | None]:
        return {"turns": "customer"}

    def rows(self) -> Iterator[tuple[str, str | None]]:
        for conversation in self.store.conversations(self.name):
            for turn in conversation.customer_turns():
                text = turn.text if turn.text.strip() else None
                yield f"{conversation.id}#{turn.index}", text
