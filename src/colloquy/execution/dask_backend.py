"""Dask: ``dask.distributed`` workers, a ``LocalCluster`` of processes unless an address is set.

Tasks are submitted a few partitions ahead and gathered in order; each worker process
keeps the first set-up copy of a task (see :func:`~colloquy.execution.tasks.prepared`), so
a model is loaded once per worker. Partitioned files for analytics and ingestion are read
as a Dask DataFrame (:meth:`DaskBackend.read_parquet`), one block per worker task.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from colloquy.errors import ConfigError
from colloquy.execution.base import ExecutionBackend
from colloquy.execution.config import ExecutionSettings
from colloquy.execution.tasks import PartitionTask, run_prepared
from colloquy.extras import require

if TYPE_CHECKING:
    import dask.dataframe as dd

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")
In = TypeVar("In")
Out = TypeVar("Out")

CONNECT_SECONDS = 30


class DaskBackend(ExecutionBackend):
    """Work on a Dask cluster: ``address`` (``tcp://host:8786``) or a local one started here."""

    name = "dask"

    def __init__(self, settings: ExecutionSettings) -> None:
        super().__init__(settings)
        distributed: Any = require("distributed", extra="scale", feature="the Dask backend")

        self._cluster: Any = None
        try:
            if settings.address is not None:
                self.client: Any = distributed.Client(settings.address, timeout=CONNECT_SECONDS)
            else:
                self._cluster = distributed.LocalCluster(
                    n_workers=settings.workers,
                    threads_per_worker=settings.threads_per_worker,
                    processes=True,
                    memory_limit=settings.memory_limit,
                    dashboard_address=":0",
                    host="127.0.0.1",
                )
                self.client = distributed.Client(self._cluster)
        except (OSError, TimeoutError) as exc:
            if self._cluster is not None:
                self._cluster.close()
            raise ConfigError(
                f"cannot connect to the Dask scheduler at {settings.address}: {exc}",
                hint="start it (dask scheduler; dask worker ADDRESS) or fix execution.address",
            ) from None

    @property
    def workers(self) -> int:
        if self.settings.address is None:
            return self.settings.workers
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        futures = self.client.map(fn, list(items), pure=False)
        return list(self.client.gather(futures))

    def map_shared(self, fn: Callable[[S, T], R], shared: S, items: Sequence[T]) -> list[R]:
        # Scattered once to every worker; each task is handed the future, not the data.
        data = self.client.scatter(shared, broadcast=True, hash=False)
        try:
            futures = self.client.map(fn, [data] * len(items), list(items), pure=False)
            return list(self.client.gather(futures))
        finally:
            data.release()

    def map_partitions(
        self, task: PartitionTask[In, Out], partitions: Iterable[In]
    ) -> Iterator[Out]:
        pending: deque[Any] = deque()
        try:
            for partition in partitions:
                pending.append(self.client.submit(run_prepared, task, partition, pure=False))
                if len(pending) >= self.in_flight:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()

    def read_parquet(
        self, paths: Sequence[Path], columns: Sequence[str] | None = None
    ) -> dd.DataFrame:
        """Partitioned Parquet files as one Dask DataFrame, computed on this cluster."""
        import dask.dataframe as dd

        frame: dd.DataFrame = dd.read_parquet(
            [str(path) for path in paths], columns=None if columns is None else list(columns)
        )
        return frame

    def compute(self, collection: Any) -> Any:
        """A Dask collection's value, computed by this backend's workers."""
        return self.client.compute(collection).result()

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


__all__ = ["DaskBackend"]
