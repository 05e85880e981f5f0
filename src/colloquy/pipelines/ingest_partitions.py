"""Ingest a folder of table files on an execution backend: one file per worker task.

Reading, cleaning and PII masking are the costly part of an ingest and need nothing but
the file, so each file of a CSV, JSONL or Parquet folder is a partition: a worker loads it
with its own copy of the loader, cleans and masks it, and sends back the conversations,
its problems and its counts. The driver keeps what must be global — ids unique across
files, the merged report, one all-or-nothing write to the store — and consumes the
partitions in file order as they finish, so at most the backend's in-flight partitions
are held in memory. The stored result equals :func:`~colloquy.pipelines.ingest.ingest` on
the same folder, row for row. One difference in what is reported: a conversation id
that an earlier file already had is one problem naming the later file, where the streaming
ingest names each of its rows by line (a worker cannot know another file's ids), and the
cleaning and masking counts include such a conversation, since a worker cleaned it before
the driver left it out.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from colloquy.config import IngestSettings
from colloquy.data.clean import Cleaner, CleaningRecord
from colloquy.data.loaders.base import Loader, Problem
from colloquy.data.loaders.tabular.base import TabularLoader
from colloquy.data.loaders.tabular.sql_loader import SqlLoader
from colloquy.data.pii import PiiMasker
from colloquy.errors import ParseError, UsageError
from colloquy.execution.base import ExecutionBackend
from colloquy.execution.tasks import PartitionTask
from colloquy.pipelines.ingest import IngestResult, write_ingest
from colloquy.progress import ProgressCallback
from colloquy.schema import Conversation
from colloquy.storage import Store


@dataclass(frozen=True, slots=True)
class LoadFailure:
    """A partition that could not be loaded, re-raised by the driver as a ParseError (an
    exception with keyword arguments does not survive every backend's pickling)."""

    message: str
    path: str | None
    line: int | None
    hint: str | None


@dataclass(frozen=True, slots=True)
class PartitionLoad:
    """One file, loaded, cleaned and masked by a worker."""

    file: str
    conversations: tuple[Conversation, ...]
    problems: tuple[Problem, ...]
    cleaning: CleaningRecord | None
    pii_counts: dict[str, int]
    pii_turns_changed: int
    failure: LoadFailure | None = None


class LoadPartition(PartitionTask[Path, PartitionLoad]):
    """Load, clean and mask one file; a fresh loader, cleaner and masker per file, so
    concurrent tasks in one worker never share counts."""

    def __init__(self, loader: TabularLoader, settings: IngestSettings) -> None:
        self.loader = loader
        self.settings = settings

    def key(self) -> str:
        state = {
            "loader": type(self.loader).__qualname__,
            "mapping": repr(self.loader.mapping),
            "on_error": self.loader.on_error,
            "settings": self.settings.model_dump(mode="json"),
        }
        digest = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()
        return f"ingest-partition:{digest}"

    def __call__(self, partition: Path) -> PartitionLoad:
        loader = copy.copy(self.loader)
        cleaner = Cleaner(self.settings.cleaning) if self.settings.clean else None
        masker = PiiMasker(self.settings.pii) if self.settings.mask_pii else None
        conversations: list[Conversation] = []
        failure = None
        try:
            for conversation in loader.load(partition):
                if cleaner is not None:
                    conversation = cleaner.apply(conversation)
                if masker is not None:
                    conversation = masker.apply(conversation)
                conversations.append(conversation)
        except ParseError as exc:
            where = f"{exc.path}:{exc.line}: " if exc.line is not None else f"{exc.path}: "
            message = exc.message.removeprefix(where) if exc.path is not None else exc.message
            path = str(exc.path) if exc.path is not None else str(partition)
            failure = LoadFailure(message, path, exc.line, exc.hint)
        return PartitionLoad(
            file=str(partition),
            conversations=tuple(conversations),
            problems=tuple(loader.report.problems),
            cleaning=cleaner.summary() if cleaner is not None else None,
            pii_counts=masker.counts if masker is not None else {},
            pii_turns_changed=masker.turns_changed if masker is not None else 0,
            failure=failure,
        )


def ingest_partitioned(
    store: Store,
    loader: Loader,
    path: Path | str,
    *,
    dataset: str,
    backend: ExecutionBackend,
    settings: IngestSettings | None = None,
    on_batch: ProgressCallback | None = None,
) -> IngestResult:
    """Like :func:`~colloquy.pipelines.ingest.ingest`, each file of ``path`` on ``backend``."""
    if not isinstance(loader, TabularLoader) or isinstance(loader, SqlLoader):
        raise UsageError(
            f"only the files of a csv, jsonl or parquet folder can be spread over workers; "
            f"{loader.name} cannot be partitioned",
            hint="ingest this source without --execution",
        )
    settings = settings or IngestSettings()
    files = loader.partition_files(path)
    report = loader.report
    cleaner = Cleaner(settings.cleaning) if settings.clean else None
    masker = PiiMasker(settings.pii) if settings.mask_pii else None
    origins: dict[str, str] = {}

    def conversations() -> Iterator[Conversation]:
        for part in backend.map_partitions(LoadPartition(loader, settings), files):
            if part.failure is not None:
                failure = part.failure
                raise ParseError(
                    failure.message, path=failure.path, line=failure.line, hint=failure.hint
                )
            report.files.append(part.file)
            report.problems.extend(part.problems)
            if cleaner is not None and part.cleaning is not None:
                cleaner.add(part.cleaning)
            if masker is not None:
                masker.add(part.pii_counts, part.pii_turns_changed)
            for conversation in part.conversations:
                first = origins.setdefault(conversation.id, part.file)
                if first != part.file:
                    loader.problem(
                        part.file,
                        None,
                        f"conversation {conversation.id!r} was already read from "
                        f"{first}; conversation ids must be unique across the files of one input",
                    )
                    continue
                report.conversations += 1
                report.turns += len(conversation.turns)
                yield conversation

    return write_ingest(
        store,
        loader,
        path,
        conversations(),
        dataset=dataset,
        cleaner=cleaner,
        masker=masker,
        on_batch=on_batch,
        extra={"execution": backend.describe(), "partitions": len(files)},
    )


__all__ = ["LoadPartition", "PartitionLoad", "ingest_partitioned"]
