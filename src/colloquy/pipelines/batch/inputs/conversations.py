"""Conversations for a conversion model: a stored dataset, or a colloquy JSONL file.

Both are streamed (the store a page at a time, the file a line at a time, through the
``conversations`` loader, which reports a bad line with its number); each conversation is
one row, identified by its id.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from colloquy.data.versions import file_version
from colloquy.errors import NotFoundError, UsageError
from colloquy.pipelines.batch.inputs.base import BatchInput
from colloquy.pipelines.batch.inputs.stored import StoredDatasetInput
from colloquy.schema import Conversation


class StoredConversations(StoredDatasetInput[Conversation]):
    """Every conversation of the stored dataset ``name``."""

    kind = "conversations"

    def total(self) -> int | None:
        return self.store.dataset(self.name).conversations

    def rows(self) -> Iterator[tuple[str, Conversation | None]]:
        for conversation in self.store.conversations(self.name):
            yield conversation.id, conversation


class ConversationFile(BatchInput[Conversation]):
    """Every conversation of a colloquy JSONL file (as ``colloquy data export`` writes)."""

    kind = "conversations"

    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser().absolute()
        if not self.path.is_file():
            raise NotFoundError(f"no input file {self.path}", hint="check the --input path")
        if self.path.suffix.lower() not in (".jsonl", ".ndjson"):
            raise UsageError(
                f"{self.path}: a conversion model reads conversations from a .jsonl file",
                hint="export them with `colloquy data export NAME --to jsonl`, or give a "
                "stored dataset name",
            )

    @property
    def description(self) -> str:
        return f"file:{self.path}"

    def fingerprint(self) -> str:
        return file_version(self.path).sha256

    def rows(self) -> Iterator[tuple[str, Conversation | None]]:
        from colloquy.data.loaders import get_loader

        for conversation in get_loader("conversations").load(self.path):
            yield conversation.id, conversation
