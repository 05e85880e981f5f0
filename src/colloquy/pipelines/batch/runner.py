"""``predict_batch``: a saved model over a large input, chunk by chunk, resumable.

The model is loaded once; the input is read lazily and cut into chunks of ``chunk_rows``
rows; each chunk is predicted and written as a part before the next is read, so memory
holds one chunk of rows whatever the input's size. A re-run after an interruption reads
the input again but predicts only the chunks whose parts are missing (see
:mod:`colloquy.pipelines.batch.parts`), then assembles the output. Every output row
carries its input row number and id and the model's name and version.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from colloquy.errors import NotFoundError, UsageError
from colloquy.pipelines.batch.adapters import BatchModel, load_batch_model
from colloquy.pipelines.batch.inputs import (
    TABLE_SUFFIXES,
    BatchInput,
    Chunk,
    ConversationFile,
    DatasetTurns,
    StoredConversations,
    TableRows,
    TableTexts,
)
from colloquy.pipelines.batch.parts import PartsFolder
from colloquy.pipelines.batch.records import BatchResult, PartsManifest
from colloquy.progress import ProgressCallback, emit

if TYPE_CHECKING:
    from colloquy.config import Settings
    from colloquy.execution import ExecutionBackend
    from colloquy.storage import Store

STAGE = "batch predict"
OUTPUT_SUFFIXES = (".parquet", ".pq")


def predict_batch(
    model: Path | str | BatchModel[Any],
    source: Path | str | BatchInput[Any],
    output: Path,
    *,
    store: Store | None = None,
    chunk_rows: int = 1000,
    text_column: str = "text",
    id_column: str | None = None,
    settings: Settings | None = None,
    progress: ProgressCallback | None = None,
    execution: ExecutionBackend | None = None,
) -> BatchResult:
    """Predict every row of ``source`` with ``model`` into the Parquet file ``output``.

    ``model``: a model directory, ``NAME@ALIAS`` or ``NAME/VERSION``. ``source``: a
    CSV/TSV/JSONL/Parquet file (an intent model reads ``text_column``; a conversion model
    reads a JSONL of colloquy conversations), or the name of a dataset in ``store`` (its
    customer turns, or its conversations). ``execution``: a Ray or Dask backend scores the
    chunks there (:mod:`colloquy.pipelines.batch.distributed`); same output file.
    """
    if chunk_rows < 1:
        raise UsageError(f"chunk_rows must be at least 1, got {chunk_rows}")
    target = Path(output).expanduser().absolute()
    if target.suffix.lower() not in OUTPUT_SUFFIXES:
        raise UsageError(f"{target}: the output is a Parquet file", hint="name it *.parquet")
    if target.is_dir():
        raise UsageError(f"{target} is a folder", hint="give the output file's path")
    loaded = load_batch_model(model, settings=settings)
    rows = open_input(
        source,
        loaded,
        store=store,
        text_column=text_column,
        id_column=id_column,
        chunk_rows=chunk_rows,
    )
    fingerprint = rows.fingerprint()
    manifest = PartsManifest(
        input=rows.description,
        input_fingerprint=fingerprint,
        input_options=rows.options(),
        model_name=loaded.name,
        model_version=loaded.version,
        model_sha256=loaded.sha256,
        model_kind=loaded.kind,
        chunk_rows=chunk_rows,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    parts = PartsFolder.open(target, manifest)
    schema = output_schema(loaded)
    total = rows.total()
    done = chunks = resumed = 0
    emit(progress, STAGE, 0, total, unit="rows")
    if execution is not None and execution.name != "local":
        from colloquy.pipelines.batch.distributed import predict_distributed

        def on_chunk(rows_done: int, chunks_done: int) -> None:
            emit(progress, STAGE, rows_done, total, unit="rows", detail=f"chunk {chunks_done}")

        done, chunks, resumed = predict_distributed(
            model,
            loaded,
            rows,
            parts,
            schema,
            execution,
            chunk_rows=chunk_rows,
            settings=settings,
            on_chunk=on_chunk,
        )
    else:
        for chunk in rows.chunks(chunk_rows):
            if parts.finished(chunk.index, len(chunk)):
                resumed += 1
            else:
                parts.write(chunk.index, predict_chunk(loaded, chunk, schema))
            done += len(chunk)
            chunks += 1
            detail = f"chunk {chunks}" + (f" ({resumed} resumed)" if resumed else "")
            emit(progress, STAGE, done, total, unit="rows", detail=detail)
    parts.assemble(chunks, schema)
    return BatchResult(
        output=target,
        rows=done,
        chunks=chunks,
        chunks_resumed=resumed,
        model_name=loaded.name,
        model_version=loaded.version,
        model_kind=loaded.kind,
        input=rows.description,
        input_fingerprint=fingerprint,
        columns=tuple(schema.names),
    )


def output_schema(model: BatchModel[Any]) -> pa.Schema:
    """Row number and id, the model's prediction columns, then the model's name and version."""
    fields = [pa.field("row_number", pa.int64()), pa.field("row_id", pa.string())]
    fields += list(model.schema)
    fields += [pa.field("model_name", pa.string()), pa.field("model_version", pa.string())]
    return pa.schema(fields)


def predict_chunk(model: BatchModel[Any], chunk: Chunk[Any], schema: pa.Schema) -> pa.Table:
    """One chunk's rows of the output table."""
    n = len(chunk)
    columns: dict[str, list[Any]] = {
        "row_number": list(range(chunk.start, chunk.start + n)),
        "row_id": list(chunk.row_ids),
        **model.predict(chunk.items),
        "model_name": [model.name] * n,
        "model_version": [model.version] * n,
    }
    return pa.Table.from_pydict(columns, schema=schema)


def open_input(
    source: Path | str | BatchInput[Any],
    model: BatchModel[Any],
    *,
    store: Store | None,
    text_column: str = "text",
    id_column: str | None = None,
    chunk_rows: int = 1000,
) -> BatchInput[Any]:
    """The rows ``source`` names, read as ``model`` needs them (texts, conversations, rows)."""
    kind = model.input_kind
    if isinstance(source, BatchInput):
        if source.kind != kind:
            raise UsageError(f"this model reads {kind}, but the input holds {source.kind}")
        return source
    path = Path(source).expanduser()
    if path.is_file():
        if kind == "texts":
            return TableTexts(
                path, text_column=text_column, id_column=id_column, batch_rows=chunk_rows
            )
        if kind == "rows":
            return TableRows(
                path,
                columns=model.columns,
                column_types=model.column_types,
                id_column=id_column,
                batch_rows=chunk_rows,
            )
        return ConversationFile(path)
    looks_like_file = path.suffix.lower() in TABLE_SUFFIXES or len(path.parts) > 1
    if store is None or looks_like_file or isinstance(source, Path):
        raise NotFoundError(
            f"no input file {path}",
            hint="give a CSV, TSV, JSONL or Parquet file"
            + ("" if store is None else ", or the name of a stored dataset"),
        )
    if kind == "rows":
        raise UsageError(
            f"a tabular model reads table files, not the stored dataset {str(source)!r}",
            hint="give a CSV, TSV, JSONL or Parquet file with the model's feature columns",
        )
    if kind == "texts":
        return DatasetTurns(store, str(source))
    return StoredConversations(store, str(source))
