"""Ingest jobs: read an uploaded file with the same loaders as ``colloquy data ingest``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from colloquy.config import Settings
from colloquy.data.loaders import get_loader
from colloquy.pipelines.ingest import ingest
from colloquy.pipelines.jobs.records import IngestOutcome, IngestSpec
from colloquy.progress import ProgressCallback
from colloquy.storage import Store

_TABULAR = ("csv", "jsonl", "parquet")


def loader_options(spec: IngestSpec) -> dict[str, Any]:
    """The loader's keyword arguments for this spec (the CLI's --map/--speaker options)."""
    from colloquy.data.loaders import ColumnMapping

    options: dict[str, Any] = {}
    if spec.source in _TABULAR:
        options["mapping"] = spec.mapping or ColumnMapping()
    if spec.source == "transcript":
        if spec.speaker_map:
            options["speaker_map"] = spec.speaker_map
        if spec.default_role:
            options["default_role"] = spec.default_role
    return options


def run_ingest(
    spec: IngestSpec, settings: Settings, store: Store, *, progress: ProgressCallback
) -> IngestOutcome:
    """Load, clean, mask and store the upload, all or nothing, like the CLI does."""
    loader = get_loader(spec.source, on_error=spec.on_error, **loader_options(spec))
    ingest_settings = settings.ingest.model_copy(
        update={"clean": spec.clean, "mask_pii": spec.mask_pii}
    )
    result = ingest(
        store,
        loader,
        Path(spec.path),
        dataset=spec.dataset,
        settings=ingest_settings,
        on_batch=progress,
    )
    return IngestOutcome(
        dataset=result.dataset,
        conversations_read=result.stored.received,
        inserted=result.stored.inserted,
        duplicates_skipped=result.stored.duplicates,
        turns_written=result.stored.turns,
        rows_skipped=result.load.skipped,
        problems=tuple(str(p) for p in result.load.problems[:100]),
    )
