"""The local backend and the factory: order, set-up once per worker, configuration."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from colloquy.config import Settings
from colloquy.execution import (
    ExecutionSettings,
    LocalBackend,
    PartitionTask,
    TableTask,
    open_backend,
)
from colloquy.execution.tasks import prepared


class Doubler(PartitionTask[list[int], list[int]]):
    """Counts its set-ups, so a test sees that state is built once, not per partition."""

    def __init__(self, name: str = "doubler") -> None:
        self.name = name
        self.setups = 0

    def key(self) -> str:
        return self.name

    def setup(self) -> None:
        self.setups += 1

    def __call__(self, partition: list[int]) -> list[int]:
        assert self.setups == 1, "called before setup"
        return [2 * n for n in partition]


class Lengths(TableTask):
    def key(self) -> str:
        return "lengths"

    def __call__(self, partition: pa.Table) -> pa.Table:
        texts = partition.column("text").to_pylist()
        return pa.table({"length": [len(t) for t in texts]})


def square(n: int) -> int:
    return n * n


def test_local_map_partitions_sets_up_once_and_keeps_order() -> None:
    task = Doubler()
    with LocalBackend(ExecutionSettings()) as backend:
        results = list(backend.map_partitions(task, ([i, i + 1] for i in range(0, 10, 2))))
    assert results == [[0, 2], [4, 6], [8, 10], [12, 14], [16, 18]]
    assert task.setups == 1


def test_local_map_keeps_order() -> None:
    assert LocalBackend(ExecutionSettings()).map(square, [3, 1, 2]) == [9, 1, 4]


def test_score_parquet_reads_each_partition_in_order(tmp_path: Path) -> None:
    paths = []
    for index, texts in enumerate([["a", "bb"], ["ccc"], ["dddd", "", "ee"]]):
        path = tmp_path / f"part-{index}.parquet"
        pq.write_table(pa.table({"text": texts}), path)
        paths.append(path)
    tables = list(LocalBackend(ExecutionSettings()).score_parquet(Lengths(), paths))
    assert pa.concat_tables(tables).column("length").to_pylist() == [1, 2, 3, 4, 0, 2]


def test_prepared_reuses_the_first_task_with_a_key() -> None:
    first, second = Doubler("prepared-test"), Doubler("prepared-test")
    assert prepared(first) is first
    assert prepared(second) is first
    assert (first.setups, second.setups) == (1, 0)


def test_open_backend_defaults_to_local_and_reads_the_settings_section() -> None:
    assert open_backend().name == "local"
    assert open_backend(ExecutionSettings(backend="local", workers=3)).name == "local"
    assert open_backend(Settings()).name == "local"


def test_execution_settings_refuse_unknown_backends_and_keys() -> None:
    with pytest.raises(ValidationError, match="backend"):
        ExecutionSettings.model_validate({"backend": "spark"})
    with pytest.raises(ValidationError, match="nodes"):
        ExecutionSettings.model_validate({"nodes": 3})
    with pytest.raises(ValidationError, match="workers"):
        ExecutionSettings(workers=0)
