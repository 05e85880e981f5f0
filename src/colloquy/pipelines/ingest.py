"""The ingest job: load a source, clean and mask every turn, store it all or nothing.

This is where the data layer meets storage: a loader streams conversations, the
:class:`~colloquy.data.clean.Cleaner` and :class:`~colloquy.data.pii.PiiMasker` rewrite
their text, and :meth:`~colloquy.storage.Store.ingest` writes them in one transaction.
What was done — the source, the path, the cleaning steps with the turns each changed, the
PII kinds with their counts, the rows skipped — is recorded in the dataset's ``params``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from colloquy.config import IngestSettings
from colloquy.data.clean import Cleaner
from colloquy.data.loaders import Loader, LoadReport
from colloquy.data.pii import PiiMasker
from colloquy.pipelines.bulk_gc import fewer_gc_passes
from colloquy.progress import ProgressCallback
from colloquy.schema import Conversation
from colloquy.storage import InsertReport, Store


@dataclass(frozen=True, slots=True)
class IngestResult:
    """Everything an ingest did, for the CLI and API to render."""

    dataset: str
    source: str
    load: LoadReport
    stored: InsertReport
    cleaning: dict[str, Any] | None
    pii: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "source": self.source,
            "files": self.load.files,
            "conversations_read": self.stored.received,
            "inserted": self.stored.inserted,
            "duplicates_skipped": self.stored.duplicates,
            "turns_written": self.stored.turns,
            "rows_skipped": self.load.skipped,
            "problems": [str(p) for p in self.load.problems],
            "cleaning": self.cleaning,
            "pii": self.pii,
        }


def ingest(
    store: Store,
    loader: Loader,
    path: Path | str,
    *,
    dataset: str,
    settings: IngestSettings | None = None,
    on_batch: ProgressCallback | None = None,
) -> IngestResult:
    """Load ``path`` with ``loader``, clean and mask it per ``settings``, store as ``dataset``."""
    settings = settings or IngestSettings()
    cleaner = Cleaner(settings.cleaning) if settings.clean else None
    masker = PiiMasker(settings.pii) if settings.mask_pii else None

    def processed() -> Iterator[Conversation]:
        for conversation in loader.load(path):
            if cleaner is not None:
                conversation = cleaner.apply(conversation)
            if masker is not None:
                conversation = masker.apply(conversation)
            yield conversation

    return write_ingest(
        store,
        loader,
        path,
        processed(),
        dataset=dataset,
        cleaner=cleaner,
        masker=masker,
        on_batch=on_batch,
    )


def write_ingest(
    store: Store,
    loader: Loader,
    path: Path | str,
    conversations: Iterator[Conversation],
    *,
    dataset: str,
    cleaner: Cleaner | None,
    masker: PiiMasker | None,
    on_batch: ProgressCallback | None = None,
    extra: Mapping[str, Any] | None = None,
) -> IngestResult:
    """Store ``conversations`` (cleaned and masked by ``cleaner`` and ``masker`` as they
    stream) as ``dataset``, with the record of what was done once all are read."""

    def record() -> dict[str, Any]:
        return {
            "source": loader.name,
            "path": str(path),
            "on_error": loader.on_error,
            "rows_skipped": loader.report.skipped,
            "cleaning": cleaner.record() if cleaner is not None else None,
            "pii": masker.record() if masker is not None else None,
            **(extra or {}),
        }

    with fewer_gc_passes():
        stored = store.ingest(
            dataset=dataset,
            source=loader.name,
            conversations=conversations,
            record=record,
            on_batch=on_batch,
        )
    return IngestResult(
        dataset=dataset,
        source=loader.name,
        load=loader.report,
        stored=stored,
        cleaning=cleaner.record() if cleaner is not None else None,
        pii=masker.record() if masker is not None else None,
    )
