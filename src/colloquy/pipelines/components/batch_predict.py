"""``batch_predict: batch``: predict a file with the pipeline's model, chunked and
resumable (:func:`colloquy.pipelines.batch.predict_batch`), into the stage's folder and,
when ``output`` is set, a copy at that path."""

from __future__ import annotations

import shutil
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from colloquy.pipelines.components.base import (
    MODEL,
    PREDICTIONS,
    CheckContext,
    Component,
    StageContext,
    StageInputs,
    StageOutput,
)
from colloquy.pipelines.components.train_intent import MODEL_DIR

OUTPUT_FILE = "predictions.parquet"


class BatchParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    input: Path = Field(description="CSV / JSONL / Parquet to predict, relative to the file")
    output: Path | None = Field(default=None, description="Also copy the predictions here")
    text_column: str = Field(default="text", description="Intent models: the text column")
    chunk_rows: int = Field(default=1000, ge=1, le=1_000_000, description="Rows per chunk")


def _absolute(path: Path, base: Path) -> Path:
    expanded = path.expanduser()
    return expanded if expanded.is_absolute() else (base / expanded).resolve()


class BatchPredict(Component):
    stage = "batch_predict"
    params_model = BatchParams
    requires = (MODEL,)
    provides = (PREDICTIONS,)

    def check(self, context: CheckContext) -> None:
        params = context.typed(BatchParams)
        path = _absolute(params.input, context.pipeline.file.parent)
        if not path.is_file():
            raise context.fail(
                ("stages", "batch_predict", "params", "input"),
                f"{path} is not a file",
                "give the CSV, JSONL or Parquet file to predict",
            )

    def run(self, context: StageContext, inputs: StageInputs) -> StageOutput:
        from colloquy.pipelines.batch import predict_batch

        params = context.typed(BatchParams)
        base = context.pipeline.file.parent
        output = context.output / OUTPUT_FILE
        result = predict_batch(
            inputs.directory(MODEL) / MODEL_DIR,
            _absolute(params.input, base),
            output,
            chunk_rows=params.chunk_rows,
            text_column=params.text_column,
            progress=context.progress,
        )
        shutil.rmtree(output.with_name(output.name + ".parts"), ignore_errors=True)
        if params.output is not None:
            target = _absolute(params.output, base)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(output, target)
        return StageOutput(
            metrics={"rows": float(result.rows), "chunks": float(result.chunks)},
            info={"model_version": result.model_version, "input": str(params.input)},
            artifacts=(OUTPUT_FILE,),
        )
