"""Ray: Ray Data batch scoring over an actor pool, and Ray tasks for stateless maps.

Each actor of the pool sets its task up once (the model is loaded once per worker) and
scores partition after partition; Ray Data streams the Parquet partitions through the
pool with the input order preserved. ``address`` joins a running cluster
(``ray://head:10001``, or ``auto`` on a cluster node); without it a local Ray with
``workers`` + 1 CPUs is started and shut down on :meth:`close`. A Ray this process already
started (a test session's) is reused and left running.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from colloquy.errors import ConfigError
from colloquy.execution.base import ExecutionBackend
from colloquy.execution.config import ExecutionSettings
from colloquy.execution.tasks import PartitionTask
from colloquy.extras import require

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")
In = TypeVar("In")
Out = TypeVar("Out")


class _Replica:
    """An actor's body: one set-up task, called once per partition or batch."""

    def __init__(self, task: PartitionTask[Any, Any]) -> None:
        task.setup()
        self.task = task

    def __call__(self, partition: Any) -> Any:
        return self.task(partition)


class _FileReplica(_Replica):
    """A replica fed partition paths (one per batch) by Ray Data."""

    def __call__(self, batch: pa.Table) -> pa.Table:
        tables = [self.task(pq.read_table(path)) for path in batch.column("path").to_pylist()]
        return pa.concat_tables(tables)


def _score(replica: Any, partition: Any) -> Any:
    return replica.__call__.remote(partition)


def _call(fn: Callable[[T], R], item: T) -> R:
    return fn(item)


def _call_shared(fn: Callable[[S, T], R], shared: S, item: T) -> R:
    return fn(shared, item)


class RayBackend(ExecutionBackend):
    """Work on a Ray cluster (a local one of ``workers`` CPUs unless ``address`` is set)."""

    name = "ray"

    def __init__(self, settings: ExecutionSettings) -> None:
        super().__init__(settings)
        ray: Any = require("ray", extra="scale", feature="the Ray execution backend")

        self._started = False
        if not ray.is_initialized():
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "configure_logging": False,
            }
            if settings.address is None:
                # One CPU beyond the replicas, for Ray Data's file listing and reads.
                options["num_cpus"] = settings.workers + 1
            try:
                # "local" starts a new Ray even where another one on this machine is running.
                ray.init(address=settings.address or "local", **options)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                raise ConfigError(
                    f"cannot connect to Ray at {settings.address}: {exc}",
                    hint="start the head (ray start --head) or fix execution.address",
                ) from None
            self._started = True

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        ray: Any = importlib.import_module("ray")
        remote = ray.remote(num_cpus=1)(_call)
        return list(ray.get([remote.remote(fn, item) for item in items]))

    def map_shared(self, fn: Callable[[S, T], R], shared: S, items: Sequence[T]) -> list[R]:
        ray: Any = importlib.import_module("ray")
        remote = ray.remote(num_cpus=1)(_call_shared)
        # One copy in the object store; every task is handed the reference, not the data.
        reference = ray.put(shared)
        return list(ray.get([remote.remote(fn, reference, item) for item in items]))

    def map_partitions(
        self, task: PartitionTask[In, Out], partitions: Iterable[In]
    ) -> Iterator[Out]:
        ray: Any = importlib.import_module("ray")
        from ray.util import ActorPool

        actor = ray.remote(num_cpus=1)(_Replica)
        replicas = [actor.remote(task) for _ in range(self.workers)]
        pool: Any = ActorPool(replicas)
        try:
            submitted = 0
            for partition in partitions:
                pool.submit(_score, partition)
                submitted += 1
                if submitted > self.in_flight:
                    yield pool.get_next()
                    submitted -= 1
            while pool.has_next():
                yield pool.get_next()
        finally:
            for replica in replicas:
                ray.kill(replica)

    def score_parquet(
        self, task: PartitionTask[pa.Table, pa.Table], paths: Sequence[Path]
    ) -> Iterator[pa.Table]:
        if not paths:
            return iter(())
        import ray.data

        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        # One block per partition file, read by the replica that scores it.
        files = ray.data.from_items(
            [{"path": str(path)} for path in paths], override_num_blocks=len(paths)
        )
        dataset = files.map_batches(
            _FileReplica,
            fn_constructor_args=(task,),
            batch_format="pyarrow",
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=self.workers),
            num_cpus=1,
        )
        return iter(dataset.iter_batches(batch_format="pyarrow", batch_size=None))

    def close(self) -> None:
        if self._started:
            importlib.import_module("ray").shutdown()
            self._started = False


__all__ = ["RayBackend"]
