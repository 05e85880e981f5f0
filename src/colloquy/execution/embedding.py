"""Embedding a dataset on a backend: text partitions in, one embedding matrix out.

The encoder is loaded once per worker (on the device asked for, resolved there: with
``auto`` a GPU worker uses its GPU and a CPU worker its CPU) and encodes the partitions it
is given; the driver stacks the results in input order.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from colloquy.execution.base import ExecutionBackend
from colloquy.execution.device import autocast, resolve_device
from colloquy.execution.tasks import TableTask

if TYPE_CHECKING:
    from colloquy.features.embeddings.base import Embedder

TEXT = "text"
EMBEDDING = "embedding"


class EmbedTask(TableTask):
    """Encode a partition's ``text`` column with one sentence encoder per worker."""

    def __init__(self, model: str, *, device: str = "auto", batch_size: int = 64) -> None:
        self.model = model
        self.device = device
        self.batch_size = batch_size
        self._embedder: Embedder | None = None
        self._resolved = "cpu"

    def key(self) -> str:
        return f"embed:{self.model}:{self.device}"

    def setup(self) -> None:
        from colloquy.features.embeddings import SentenceEmbedder

        self._resolved = resolve_device(self.device)
        self._embedder = SentenceEmbedder(self.model, device=self._resolved)

    def __call__(self, partition: pa.Table) -> pa.Table:
        if self._embedder is None:
            self.setup()
        embedder = self._embedder
        assert embedder is not None
        texts = [str(text) for text in partition.column(TEXT).to_pylist()]
        with autocast(self._resolved):
            vectors = embedder.encode(texts, batch_size=self.batch_size)
        matrix = np.asarray(vectors, dtype=np.float32)
        flat = pa.array(matrix.reshape(-1))
        column = pa.FixedSizeListArray.from_arrays(flat, matrix.shape[1])
        return pa.table({EMBEDDING: column})

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_embedder": None}


def embed_texts(
    texts: Iterable[str],
    execution: ExecutionBackend,
    *,
    model: str = "sentence-transformers/all-MiniLM-L6-v2",
    device: str | None = None,
    partition_rows: int | None = None,
    workdir: Path | None = None,
) -> np.ndarray:
    """The embedding of every text (rows in input order), encoded on ``execution``, on
    ``device`` (auto, cpu, cuda; the backend's ``execution.device`` setting by default).

    Texts are written as Parquet partitions of ``partition_rows`` under ``workdir`` (a
    folder every worker can read; a temporary one by default) and removed afterwards.
    """
    rows = partition_rows or execution.settings.partition_rows
    with tempfile.TemporaryDirectory(dir=workdir, prefix="colloquy-embed-") as folder:
        paths = write_text_partitions(texts, Path(folder), rows)
        task = EmbedTask(model, device=device or execution.settings.device)
        tables = list(execution.score_parquet(task, paths))
    if not tables:
        return np.zeros((0, 0), dtype=np.float32)
    column = pa.concat_tables(tables).column(EMBEDDING).combine_chunks()
    width = column.type.list_size
    return np.asarray(column.flatten().to_numpy(zero_copy_only=False)).reshape(-1, width)


def write_text_partitions(texts: Iterable[str], folder: Path, rows: int) -> list[Path]:
    """``texts`` as ``part-NNNNN.parquet`` files of ``rows`` texts each, in order."""
    paths: list[Path] = []
    batch: list[str] = []

    def flush() -> None:
        path = folder / f"part-{len(paths):05d}.parquet"
        pq.write_table(pa.table({TEXT: pa.array(batch, pa.string())}), path)
        paths.append(path)

    for text in texts:
        batch.append(text)
        if len(batch) == rows:
            flush()
            batch = []
    if batch:
        flush()
    return paths


__all__ = ["EMBEDDING", "EmbedTask", "embed_texts", "write_text_partitions"]
