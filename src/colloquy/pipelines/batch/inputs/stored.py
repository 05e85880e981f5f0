"""What every input read from a stored dataset shares: the store, the name, the version.

The fingerprint is the dataset's content-addressed version, so parts written before an
ingest changed the dataset are refused on resume.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from colloquy.data.versions import dataset_version
from colloquy.pipelines.batch.inputs.base import BatchInput, Item

if TYPE_CHECKING:
    from colloquy.storage import Store


class StoredDatasetInput(BatchInput[Item]):
    """Rows of the stored dataset ``name`` (which must exist: checked on construction)."""

    def __init__(self, store: Store, name: str) -> None:
        self.store = store
        self.name = name
        self.store.dataset(name)

    @property
    def description(self) -> str:
        return f"dataset:{self.name}"

    def fingerprint(self) -> str:
        return dataset_version(self.store, self.name).sha256
