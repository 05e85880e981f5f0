"""Work sent to a backend: a task loads its heavy state once per worker, then maps parts.

A :class:`PartitionTask` is pickled to every worker; :meth:`~PartitionTask.setup` runs there
once (a Ray actor calls it in its constructor, a Dask worker keeps the set-up task in
:data:`_PREPARED` under :meth:`~PartitionTask.key`), so a model is loaded once per worker
process, never once per partition and never in the driver only to be pickled over.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    import pyarrow as pa

In = TypeVar("In")
Out = TypeVar("Out")


class PartitionTask(ABC, Generic[In, Out]):
    """One function over partitions, with state built once per worker by :meth:`setup`."""

    @abstractmethod
    def key(self) -> str:
        """Identifies the state :meth:`setup` builds (a model's digest): workers reuse it."""

    def setup(self) -> None:
        """Load what every partition needs (a model); called once per worker process."""

    @abstractmethod
    def __call__(self, partition: In) -> Out:
        """The result of one partition (after :meth:`setup`)."""


class TableTask(PartitionTask["pa.Table", "pa.Table"]):
    """A task over Arrow tables: the shape batch scoring and embedding take."""


_PREPARED: dict[str, PartitionTask[object, object]] = {}


def prepared(task: PartitionTask[In, Out]) -> PartitionTask[In, Out]:
    """``task`` set up once in this process: the first task with its key is kept and reused."""
    found = _PREPARED.get(task.key())
    if found is None:
        task.setup()
        _PREPARED[task.key()] = task  # type: ignore[assignment]
        return task
    return found  # type: ignore[return-value]


def run_prepared(task: PartitionTask[In, Out], partition: In) -> Out:
    """What a worker runs per partition: the process's set-up copy of ``task`` on it."""
    return prepared(task)(partition)


class FileTask(PartitionTask[Path, "pa.Table"]):
    """A table task over Parquet partition files, each read on the worker that scores it."""

    def __init__(self, task: PartitionTask[pa.Table, pa.Table]) -> None:
        self.task = task

    def key(self) -> str:
        return self.task.key()

    def setup(self) -> None:
        self.task.setup()

    def __call__(self, partition: Path) -> pa.Table:
        import pyarrow.parquet as pq

        return self.task(pq.read_table(partition))


__all__ = ["FileTask", "PartitionTask", "TableTask", "prepared", "run_prepared"]
