"""The input seam of batch prediction: rows read lazily, in chunks of a fixed size.

A source is read once per run, front to back; chunk ``i`` always holds rows
``i * chunk_rows`` to ``(i + 1) * chunk_rows - 1``, whatever the file's own block sizes,
so a resumed run finds the same chunks where the interrupted one left them. At most one
chunk of items is held at a time (:func:`chunked` never looks further ahead).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from colloquy.pipelines.batch.records import InputKind

Item = TypeVar("Item")


@dataclass(frozen=True, slots=True)
class Chunk(Generic[Item]):
    """Chunk ``index``: ``items`` with their input ``row_ids``; the first is row ``start``."""

    index: int
    start: int
    row_ids: tuple[str, ...]
    items: tuple[Item, ...]

    def __len__(self) -> int:
        return len(self.items)


class BatchInput(ABC, Generic[Item]):
    """Rows to predict on: texts or conversations, each with a stable row id."""

    kind: InputKind

    @property
    @abstractmethod
    def description(self) -> str:
        """What is read (``file:/abs/path.csv``, ``dataset:banking77``), for the manifest."""

    @abstractmethod
    def fingerprint(self) -> str:
        """The SHA-256 of the input's content: parts written for another content are refused."""

    def options(self) -> dict[str, str | None]:
        """The reading options that change which rows are read (a text column)."""
        return {}

    def total(self) -> int | None:
        """The number of rows when known without reading them (for the progress bar)."""
        return None

    @abstractmethod
    def rows(self) -> Iterator[tuple[str, Item | None]]:
        """Every row's id and item, lazily; ``None`` for a row with nothing to predict on."""

    def chunks(self, chunk_rows: int) -> Iterator[Chunk[Item | None]]:
        """:meth:`rows` in chunks of ``chunk_rows``."""
        return chunked(self.rows(), chunk_rows)


def chunked(rows: Iterable[tuple[str, Item]], chunk_rows: int) -> Iterator[Chunk[Item]]:
    """``rows`` grouped into consecutive chunks of ``chunk_rows`` (the last may be shorter)."""
    ids: list[str] = []
    items: list[Item] = []
    index = start = 0
    for row_id, item in rows:
        ids.append(row_id)
        items.append(item)
        if len(items) == chunk_rows:
            yield Chunk(index, start, tuple(ids), tuple(items))
            index += 1
            start += len(items)
            ids, items = [], []
    if items:
        yield Chunk(index, start, tuple(ids), tuple(items))
