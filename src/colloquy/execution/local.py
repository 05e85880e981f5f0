"""The default backend: everything in this process, in order, with no engine to start."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

from colloquy.execution.base import ExecutionBackend
from colloquy.execution.tasks import PartitionTask

T = TypeVar("T")
R = TypeVar("R")
In = TypeVar("In")
Out = TypeVar("Out")


class LocalBackend(ExecutionBackend):
    """One process: the reference every distributed backend's output is checked against."""

    name = "local"

    @property
    def workers(self) -> int:
        return 1

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return [fn(item) for item in items]

    def map_partitions(
        self, task: PartitionTask[In, Out], partitions: Iterable[In]
    ) -> Iterator[Out]:
        task.setup()
        for partition in partitions:
            yield task(partition)

    def describe(self) -> str:
        return "local (this process)"


__all__ = ["LocalBackend"]
