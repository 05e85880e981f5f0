"""Reading a pipeline's source data into rows, and the row files stages pass on.

Text tasks (``intent``) read a labelled table, or a stored dataset's snapshot, into
``text`` / ``label`` rows with an ``official_test`` flag (the rows of ``test_path``, or a
snapshot's conversations labelled ``split: test``). Tabular tasks read the declared
columns through :func:`colloquy.data.rows.read_rows`. Stages hand rows on as Parquet.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from colloquy.errors import DataError
from colloquy.pipelines.spec.data import ClassificationData, TextData

TEXT = "text"
LABEL = "label"
OFFICIAL_TEST = "official_test"
ROWS_FILE = "rows.parquet"
SPLIT_FILES = {"train": "train.parquet", "validation": "validation.parquet", "test": "test.parquet"}


def snapshot_path(data: TextData, home: Path) -> Path:
    """The snapshot file of a stored dataset at the pinned version."""
    from colloquy.data.versions import default_versions_root, resolve_data_version

    assert data.dataset is not None
    assert data.version is not None
    return resolve_data_version(data.dataset, data.version, default_versions_root(home))


def read_text_rows(data: TextData, home: Path) -> pd.DataFrame:
    """``text``, ``label`` and ``official_test`` rows of an intent pipeline's data."""
    from colloquy.data.tables import read_labelled_texts

    if data.dataset is not None:
        return _snapshot_rows(data, snapshot_path(data, home))
    assert data.path is not None
    frames = []
    for path, official in ((data.path, False), (data.test_path, True)):
        if path is None:
            continue
        texts, labels = read_labelled_texts(
            path, text_column=data.text_column, label_column=data.label_column
        )
        frames.append(pd.DataFrame({TEXT: texts, LABEL: labels, OFFICIAL_TEST: official}))
    return pd.concat(frames, ignore_index=True)


def _snapshot_rows(data: TextData, path: Path) -> pd.DataFrame:
    from colloquy.data.loaders import get_loader
    from colloquy.schema.conversation import Speaker

    texts: list[str] = []
    labels: list[str] = []
    official: list[bool] = []
    for conversation in get_loader("conversations").load(path):
        label = conversation.labels.get(data.label_column)
        turn = next((t for t in conversation.turns if t.speaker == Speaker.CUSTOMER), None)
        if label is None or turn is None:
            continue
        texts.append(turn.text)
        labels.append(str(label))
        official.append(conversation.labels.get("split") == "test")
    if not texts:
        raise DataError(
            f"{path}: no conversation has a customer turn and a label {data.label_column!r}",
            hint="set data.label_column to the label the dataset's conversations carry",
        )
    return pd.DataFrame({TEXT: texts, LABEL: labels, OFFICIAL_TEST: official})


def read_table_rows(data: ClassificationData) -> pd.DataFrame:
    """The declared feature columns and the target of a classification pipeline's table."""
    from colloquy.data.rows import read_rows

    columns = [feature.name for feature in data.features] + [data.target]
    keys = {feature.name: f"data.features[{i}].name" for i, feature in enumerate(data.features)}
    keys[data.target] = "data.target"
    return read_rows(data.source, columns, keys=keys)


def write_rows(frame: pd.DataFrame, path: Path) -> Path:
    """``frame`` as Parquet at ``path`` (the stage's directory is renamed into place later)."""
    frame.reset_index(drop=True).to_parquet(path, index=False)
    return path


def read_split(directory: Path, split: str) -> pd.DataFrame:
    """One split written by a split stage (``train``, ``validation`` or ``test``)."""
    return pd.read_parquet(directory / SPLIT_FILES[split])
