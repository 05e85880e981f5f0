"""Batch conversion scoring: a JSONL of conversations or a stored dataset, as the model scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from colloquy.data.export import export_conversations
from colloquy.errors import UsageError
from colloquy.models.conversion import ConversionPredictor
from colloquy.pipelines.batch import predict_batch
from colloquy.pipelines.conversion import load_labelled
from colloquy.pipelines.conversion_model import ConversionModel
from colloquy.schema import Conversation
from colloquy.storage import Store


@pytest.fixture(scope="module")
def trained(
    datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[Conversation]]:
    labelled = load_labelled("craigslist_bargain", datasets_dir / "craigslist_bargain")
    conversations = labelled.conversations[:160]
    y = np.asarray(labelled.labels[:160], dtype=int)
    predictor = ConversionPredictor(blocks=("tfidf", "dynamics"), inner_folds=3)
    predictor.fit(conversations[:120], y[:120])
    output = tmp_path_factory.mktemp("batch-conversion") / "model"
    predictor.save(output)
    return output, conversations[120:]


def test_a_conversation_file_and_a_dataset_score_as_the_model_does(
    trained: tuple[Path, list[Conversation]], tmp_path: Path
) -> None:
    model_dir, held_out = trained
    source = tmp_path / "held_out.jsonl"
    export_conversations(held_out, source, fmt="jsonl")
    from_file = predict_batch(model_dir, source, tmp_path / "file.parquet", chunk_rows=16)
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        store.ingest(dataset="held_out", source="test", conversations=held_out)
        from_store = predict_batch(
            model_dir, "held_out", tmp_path / "store.parquet", store=store, chunk_rows=16
        )
    expected = ConversionModel.load(model_dir).probabilities(held_out)
    for result in (from_file, from_store):
        table = pq.read_table(result.output).to_pandas()
        assert result.model_kind == "conversion"
        assert table["row_id"].tolist() == [c.id for c in held_out]
        assert table["probability"].tolist() == pytest.approx(expected)
        assert set(table["model_version"]) == {result.model_version}
    assert (from_file.chunks, from_store.input) == (3, "dataset:held_out")


def test_a_conversion_model_refuses_a_table_of_texts(
    trained: tuple[Path, list[Conversation]], tmp_path: Path
) -> None:
    model_dir, _ = trained
    (tmp_path / "texts.csv").write_text("text\nhello\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"reads conversations from a \.jsonl file"):
        predict_batch(model_dir, tmp_path / "texts.csv", tmp_path / "out.parquet")
