"""The execution seam: one interface over a local process, a Ray cluster and a Dask cluster.

Callers (batch scoring, dataset analytics, embedding, cross-validation folds, tuning) hand
a backend their work as partitions and get results back in input order, a few partitions
in flight at a time, so the driver never holds the whole input or output. The same caller
code runs on a laptop and on a cluster; only the ``execution:`` settings change.

Adapters, one per file: :mod:`~colloquy.execution.local`, :mod:`~colloquy.execution.ray_backend`,
:mod:`~colloquy.execution.dask_backend`.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar, Self, TypeVar

from colloquy.execution.config import BackendName, ExecutionSettings
from colloquy.execution.tasks import FileTask, PartitionTask

if TYPE_CHECKING:
    import pyarrow as pa

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")
In = TypeVar("In")
Out = TypeVar("Out")


class ExecutionBackend(ABC):
    """Runs functions and partition tasks somewhere; a context manager that releases what
    it started (a local cluster it launched; never a cluster it only joined)."""

    name: ClassVar[BackendName]

    def __init__(self, settings: ExecutionSettings) -> None:
        self.settings = settings

    @property
    def workers(self) -> int:
        """How many partitions can be worked on at once."""
        return self.settings.workers

    @property
    def in_flight(self) -> int:
        """Partitions submitted ahead of the one being collected (bounds driver memory)."""
        return 2 * self.workers

    @abstractmethod
    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``fn`` on every item (no per-worker state: folds, trials), results in order.

        ``fn`` and the items must pickle: module-level functions or frozen dataclasses.
        """

    def map_shared(self, fn: Callable[[S, T], R], shared: S, items: Sequence[T]) -> list[R]:
        """``fn(shared, item)`` on every item, results in order, with ``shared`` sent to the
        workers once rather than pickled with every item: the data every cross-validation
        fold reads, with the folds as items. ``fn`` must be a module-level function."""
        return self.map(functools.partial(fn, shared), items)

    @abstractmethod
    def map_partitions(
        self, task: PartitionTask[In, Out], partitions: Iterable[In]
    ) -> Iterator[Out]:
        """``task`` on every partition, set up once per worker; results in input order."""

    def score_parquet(
        self, task: PartitionTask[pa.Table, pa.Table], paths: Sequence[Path]
    ) -> Iterator[pa.Table]:
        """``task`` over Parquet partition files, read where they are scored.

        The tables yielded, concatenated, are the task's output over the files in order
        (their boundaries need not match the files'). Paths must be readable by every
        worker: a shared folder or an object store on a cluster.
        """
        return self.map_partitions(FileTask(task), paths)

    def describe(self) -> str:
        """What this backend runs on, for logs and benchmark tables."""
        where = self.settings.address or f"{self.workers} local worker(s)"
        return f"{self.name} ({where})"

    def close(self) -> None:  # noqa: B027 - the local backend has nothing to release
        """Release what this backend started."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


__all__ = ["ExecutionBackend"]
