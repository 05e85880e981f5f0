"""``ingest: table``: read a labelled table (intent) or a declared-column table
(classification) into ``rows.parquet``, checking files and columns up front."""

from __future__ import annotations

from typing import ClassVar

from colloquy.errors import ColloquyError
from colloquy.pipelines.components.base import (
    ROWS,
    CheckContext,
    Component,
    StageContext,
    StageInputs,
    StageOutput,
)
from colloquy.pipelines.components.frames import (
    LABEL,
    OFFICIAL_TEST,
    ROWS_FILE,
    read_table_rows,
    read_text_rows,
    snapshot_path,
    write_rows,
)
from colloquy.pipelines.spec.data import ClassificationData, TextData
from colloquy.pipelines.spec.schema import Task


class IngestTable(Component):
    """Reads the pipeline's data source once; later stages read ``rows.parquet``."""

    stage = "ingest"
    tasks: ClassVar[tuple[Task, ...]] = ("intent", "classification")
    provides = (ROWS,)

    def check(self, context: CheckContext) -> None:
        data = context.pipeline.data
        if isinstance(data, TextData):
            _check_text(context, data)
        elif isinstance(data, ClassificationData):
            _check_table(context, data)

    def run(self, context: StageContext, inputs: StageInputs) -> StageOutput:
        data = context.pipeline.data
        if isinstance(data, TextData):
            frame = read_text_rows(data, context.home)
            classes = frame[LABEL].nunique()
            official = int(frame[OFFICIAL_TEST].sum())
        else:
            assert isinstance(data, ClassificationData)
            frame = read_table_rows(data)
            classes = frame[data.target].nunique()
            official = 0
        write_rows(frame, context.output / ROWS_FILE)
        return StageOutput(
            metrics={"rows": float(len(frame)), "classes": float(classes)},
            info={"official_test_rows": official, "data_version": context.data_version},
        )


def _check_text(context: CheckContext, data: TextData) -> None:
    from colloquy.data.tables import read_table

    if data.dataset is not None:
        try:
            snapshot_path(data, context.settings.resolved_home)
        except ColloquyError as exc:
            raise context.fail(("data", "version"), exc.message, exc.hint or "") from None
        return
    for key, path in (("path", data.path), ("test_path", data.test_path)):
        if path is None:
            continue
        try:
            columns = list(read_table(path).columns)
        except ColloquyError as exc:
            raise context.fail(("data", key), exc.message, exc.hint or "fix the path") from None
        for column_key in ("text_column", "label_column"):
            column = getattr(data, column_key)
            if column not in columns:
                raise context.fail(
                    ("data", column_key),
                    f"column {column!r} is not in {path.name} (columns: {', '.join(columns)})",
                    f"set data.{column_key} to one of its columns",
                )


def _check_table(context: CheckContext, data: ClassificationData) -> None:
    from colloquy.data.rows import MissingColumnError, check_columns

    columns = [feature.name for feature in data.features] + [data.target]
    keys = {feature.name: f"features.{i}.name" for i, feature in enumerate(data.features)}
    keys[data.target] = "target"
    try:
        check_columns(data.source, columns, keys=keys)
    except MissingColumnError as exc:
        key = tuple(int(p) if p.isdigit() else p for p in exc.key.split("."))
        raise context.fail(("data", *key), exc.message, f"fix data.{exc.key}") from None
    except ColloquyError as exc:
        raise context.fail(("data", "source"), exc.message, exc.hint or "fix the source") from None
