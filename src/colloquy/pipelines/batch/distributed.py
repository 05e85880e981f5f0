"""Batch prediction on a Ray or Dask backend: chunks as Parquet partitions, parts as before.

The chunks a run still needs are written as input partitions beside the output; the
backend scores them where they are read (a model loaded once per worker) and hands the
scored tables back in order; the driver cuts them into the same parts a local run writes,
so resuming, assembling and the output file are the local path's, row for row. Texts
models (intent) are served; conversation and table-row models stay on the local path.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from colloquy.errors import UsageError
from colloquy.execution import ExecutionBackend, TableTask
from colloquy.pipelines.batch.adapters import BatchModel, load_batch_model, resolve_reference
from colloquy.pipelines.batch.inputs import BatchInput, Chunk
from colloquy.pipelines.batch.parts import PartsFolder

if TYPE_CHECKING:
    from colloquy.config import Settings

INPUT_SCHEMA = pa.schema(
    [("row_number", pa.int64()), ("row_id", pa.string()), ("item", pa.string())]
)


class ScoreTask(TableTask):
    """A model directory scored on a worker: loaded in :meth:`setup`, once per worker."""

    def __init__(self, directory: Path, *, name: str, version: str, sha256: str) -> None:
        self.directory = directory
        self.name = name
        self.version = version
        self.sha256 = sha256
        self._model: BatchModel[Any] | None = None

    def key(self) -> str:
        return f"batch-model:{self.sha256}"

    def setup(self) -> None:
        self._model = load_batch_model(self.directory)

    def __call__(self, partition: pa.Table) -> pa.Table:
        if self._model is None:
            self.setup()
        model = self._model
        assert model is not None
        n = partition.num_rows
        columns: dict[str, list[Any]] = {
            "row_number": partition.column("row_number").to_pylist(),
            "row_id": partition.column("row_id").to_pylist(),
            **model.predict(partition.column("item").to_pylist()),
            "model_name": [self.name] * n,
            "model_version": [self.version] * n,
        }
        return pa.Table.from_pydict(columns)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_model": None}


def predict_distributed(
    reference: Path | str | BatchModel[Any],
    loaded: BatchModel[Any],
    rows: BatchInput[Any],
    parts: PartsFolder,
    schema: pa.Schema,
    execution: ExecutionBackend,
    *,
    chunk_rows: int,
    settings: Settings | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
) -> tuple[int, int, int]:
    """Score the chunks ``parts`` lacks on ``execution``; (rows, chunks, chunks resumed).

    ``on_chunk(rows_done, chunks_done)`` follows the parts as they are written.
    """
    if loaded.input_kind != "texts" or isinstance(reference, BatchModel):
        raise UsageError(
            f"the {execution.name} backend scores text models given by directory or registry "
            f"reference; this is a {loaded.kind} model"
            + (" object" if isinstance(reference, BatchModel) else ""),
            hint="set execution.backend: local for this model",
        )
    source = resolve_reference(reference, settings=settings)
    task = ScoreTask(source.path, name=loaded.name, version=loaded.version, sha256=loaded.sha256)
    staging = parts.folder.with_name(f"{parts.output.name}.inputs")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        pending: list[tuple[int, int]] = []
        paths: list[Path] = []
        done = chunks = resumed = 0
        for chunk in rows.chunks(chunk_rows):
            done += len(chunk)
            chunks += 1
            if parts.finished(chunk.index, len(chunk)):
                resumed += 1
                continue
            paths.append(_write_input(staging, chunk))
            pending.append((chunk.index, len(chunk)))
        written = done - sum(size for _, size in pending)
        for count, (index, table) in enumerate(_cut(execution.score_parquet(task, paths), pending)):
            parts.write(index, table.cast(schema))
            written += table.num_rows
            if on_chunk is not None:
                on_chunk(written, resumed + count + 1)
        return done, chunks, resumed
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_input(folder: Path, chunk: Chunk[Any]) -> Path:
    path = folder / f"in-{chunk.index:05d}.parquet"
    table = pa.Table.from_pydict(
        {
            "row_number": list(range(chunk.start, chunk.start + len(chunk))),
            "row_id": list(chunk.row_ids),
            "item": list(chunk.items),
        },
        schema=INPUT_SCHEMA,
    )
    pq.write_table(table, path)
    return path


def _cut(
    tables: Iterator[pa.Table], sizes: list[tuple[int, int]]
) -> Iterator[tuple[int, pa.Table]]:
    """The scored rows, in order, regrouped into the pending chunks (index, rows)."""
    waiting = iter(sizes)
    buffer: list[pa.Table] = []
    held = 0
    current = next(waiting, None)
    for table in tables:
        buffer.append(table)
        held += table.num_rows
        while current is not None and held >= current[1]:
            merged = pa.concat_tables(buffer)
            yield current[0], merged.slice(0, current[1])
            rest = merged.slice(current[1])
            buffer, held = [rest], rest.num_rows
            current = next(waiting, None)
    if current is not None or held:
        raise UsageError(
            f"the {len(sizes)} chunk(s) sent came back with {held} row(s) unmatched",
            hint="re-run: finished parts are kept",
        )
