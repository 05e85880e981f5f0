"""Batch intent prediction: equal to the model's own answers, chunked, bounded, resumable."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from colloquy.errors import ArtifactError, DataError, NotFoundError, UsageError
from colloquy.pipelines.batch import (
    BatchInput,
    BatchModel,
    load_batch_model,
    parts_folder,
    predict_batch,
)
from colloquy.pipelines.intent import IntentModel, IntentTrainingConfig, train_intent
from colloquy.progress import ProgressEvent
from colloquy.schema import Conversation, Speaker, Turn
from colloquy.storage import Store

INTENTS = ["card_arrival", "exchange_rate", "pin_blocked"]


@pytest.fixture(scope="module")
def model_dir(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("batch-intent")
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    train = train[train["category"].isin(INTENTS)].groupby("category").head(30)
    train.to_csv(folder / "train.csv", index=False)
    output = folder / "model"
    train_intent(
        folder / "train.csv",
        text_column="text",
        label_column="category",
        output=output,
        config=IntentTrainingConfig(method="tfidf"),
    )
    return output


@pytest.fixture(scope="module")
def texts(datasets_dir: Path) -> list[str]:
    test = pd.read_csv(datasets_dir / "banking77" / "test.csv")
    return [str(t) for t in test[test["category"].isin(INTENTS)]["text"].head(23)]


def write_csv(path: Path, texts: Sequence[str]) -> Path:
    pd.DataFrame({"id": [f"q{i}" for i in range(len(texts))], "text": texts}).to_csv(
        path, index=False
    )
    return path


class Spy(BatchModel[Any]):
    """The real adapter, recording the size of every chunk it is asked to predict."""

    def __init__(self, inner: BatchModel[Any]) -> None:
        super().__init__(name=inner.name, version=inner.version, sha256=inner.sha256)
        self.inner = inner
        self.kind = inner.kind
        self.input_kind = inner.input_kind
        self.calls: list[int] = []

    @property
    def schema(self) -> pa.Schema:
        return self.inner.schema

    def predict(self, items: Sequence[Any]) -> dict[str, list[Any]]:
        self.calls.append(len(items))
        return self.inner.predict(items)


def test_batch_predictions_equal_the_models_own_row_for_row(
    model_dir: Path, texts: list[str], tmp_path: Path
) -> None:
    rows = [*texts[:5], "   ", *texts[5:]]
    source = write_csv(tmp_path / "in.csv", rows)
    events: list[ProgressEvent] = []
    result = predict_batch(
        model_dir, source, tmp_path / "out.parquet", chunk_rows=7, progress=events.append
    )
    table = pq.read_table(result.output).to_pandas()
    expected = IntentModel.load(model_dir).predict(texts)
    assert (result.rows, result.chunks, result.chunks_resumed) == (24, 4, 0)
    assert table["row_number"].tolist() == list(range(24))
    assert table["row_id"].tolist() == [str(i) for i in range(24)]
    predicted = table.drop(index=5)
    assert predicted["intent"].tolist() == [p.intent for p in expected]
    assert predicted["confidence"].tolist() == pytest.approx([p.confidence for p in expected])
    assert pd.isna(table.loc[5, "intent"])
    assert pd.isna(table.loc[5, "confidence"])
    assert set(table["model_name"]) == {"model"}
    assert set(table["model_version"]) == {result.model_version}
    manifest = (model_dir / "manifest.json").read_text(encoding="utf-8")
    assert result.model_version in manifest
    assert events[-1].done == 24
    assert not parts_folder(result.output).exists()


def test_jsonl_and_parquet_inputs_with_an_id_column(
    model_dir: Path, texts: list[str], tmp_path: Path
) -> None:
    frame = pd.DataFrame({"ref": [f"r{i}" for i in range(len(texts))], "body": texts})
    frame.to_json(tmp_path / "in.jsonl", orient="records", lines=True)
    frame.to_parquet(tmp_path / "in.parquet")
    outputs = [
        pq.read_table(
            predict_batch(
                model_dir,
                tmp_path / name,
                tmp_path / f"{name}.out.parquet",
                chunk_rows=10,
                text_column="body",
                id_column="ref",
            ).output
        ).to_pandas()
        for name in ("in.jsonl", "in.parquet")
    ]
    assert outputs[0]["row_id"].tolist() == frame["ref"].tolist()
    assert outputs[0]["intent"].tolist() == outputs[1]["intent"].tolist()


def test_an_interrupted_run_resumes_without_redoing_finished_chunks(
    model_dir: Path, texts: list[str], tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "in.csv", texts)
    output = tmp_path / "out.parquet"

    def interrupt(event: ProgressEvent) -> None:
        if event.done >= 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        predict_batch(model_dir, source, output, chunk_rows=5, progress=interrupt)
    parts = parts_folder(output)
    finished = sorted(p.name for p in parts.glob("part-*.parquet"))
    assert finished == ["part-00000.parquet", "part-00001.parquet"]
    assert not output.exists()
    mtimes = {name: (parts / name).stat().st_mtime_ns for name in finished}

    seen: dict[str, int] = {}

    def watch(event: ProgressEvent) -> None:
        if event.done == len(texts):
            seen.update({name: (parts / name).stat().st_mtime_ns for name in finished})

    spy = Spy(load_batch_model(model_dir))
    resumed = predict_batch(spy, source, output, chunk_rows=5, progress=watch)
    assert seen == mtimes
    assert spy.calls == [5, 5, 3]
    assert (resumed.chunks, resumed.chunks_resumed) == (5, 2)
    uninterrupted = predict_batch(model_dir, source, tmp_path / "whole.parquet", chunk_rows=5)
    assert pq.read_table(output).equals(pq.read_table(uninterrupted.output))


def test_parts_of_another_input_model_or_chunk_size_are_never_mixed(
    model_dir: Path, texts: list[str], tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "in.csv", texts)
    output = tmp_path / "out.parquet"

    def interrupt(event: ProgressEvent) -> None:
        if event.done >= 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        predict_batch(model_dir, source, output, chunk_rows=5, progress=interrupt)
    other = write_csv(tmp_path / "other.csv", texts[::-1])
    with pytest.raises(UsageError, match="another input"):
        predict_batch(model_dir, other, output, chunk_rows=5)
    with pytest.raises(UsageError, match="chunks of 5 rows, not 4"):
        predict_batch(model_dir, source, output, chunk_rows=4)
    with pytest.raises(UsageError, match="'id'"):
        predict_batch(model_dir, source, output, chunk_rows=5, text_column="id")
    retrained = Spy(load_batch_model(model_dir))
    retrained.sha256 = "f" * 64
    with pytest.raises(UsageError, match="predicted by another model"):
        predict_batch(retrained, source, output, chunk_rows=5)
    assert predict_batch(model_dir, source, output, chunk_rows=5).chunks_resumed == 1


class CountingTexts(BatchInput[str]):
    """Texts from a generator, counting how many rows have been pulled from it."""

    kind = "texts"

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.pulled = 0

    @property
    def description(self) -> str:
        return "generator"

    def fingerprint(self) -> str:
        return "0" * 64

    def rows(self) -> Iterator[tuple[str, str | None]]:
        for i, text in enumerate(self.texts):
            self.pulled += 1
            yield str(i), text


def test_memory_holds_one_chunk_of_rows_at_a_time(
    model_dir: Path, texts: list[str], tmp_path: Path
) -> None:
    source = CountingTexts(texts * 3)
    inner = load_batch_model(model_dir)
    held: list[int] = []

    class Watching(Spy):
        def predict(self, items: Sequence[Any]) -> dict[str, list[Any]]:
            held.append(source.pulled - sum(self.calls))
            return super().predict(items)

    spy = Watching(inner)
    result = predict_batch(spy, source, tmp_path / "out.parquet", chunk_rows=8)
    assert result.rows == 69
    assert max(spy.calls) <= 8
    assert max(held) <= 8
    assert len(spy.calls) == 9


def test_customer_turns_of_a_stored_dataset(
    model_dir: Path, texts: list[str], tmp_path: Path
) -> None:
    conversations = [
        Conversation(
            id=f"c{i}",
            source="test",
            turns=(
                Turn(index=0, speaker=Speaker.AGENT, text="How can I help?"),
                Turn(index=1, speaker=Speaker.CUSTOMER, text=text),
            ),
        )
        for i, text in enumerate(texts[:6])
    ]
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        store.ingest(dataset="chats", source="test", conversations=conversations)
        result = predict_batch(
            model_dir, "chats", tmp_path / "out.parquet", store=store, chunk_rows=4
        )
        with pytest.raises(NotFoundError, match="no dataset named 'nope'"):
            predict_batch(model_dir, "nope", tmp_path / "x.parquet", store=store)
    table = pq.read_table(result.output).to_pandas()
    assert table["row_id"].tolist() == [f"c{i}#1" for i in range(6)]
    expected = IntentModel.load(model_dir).predict(texts[:6])
    assert table["intent"].tolist() == [p.intent for p in expected]
    assert result.input == "dataset:chats"


def test_bad_references_and_inputs_are_one_line_errors(
    model_dir: Path, texts: list[str], tmp_path: Path
) -> None:
    source = write_csv(tmp_path / "in.csv", texts)
    with pytest.raises(DataError, match=r"no column 'body'; columns: id, text"):
        predict_batch(model_dir, source, tmp_path / "o.parquet", text_column="body")
    with pytest.raises(UsageError, match="Parquet"):
        predict_batch(model_dir, source, tmp_path / "o.csv")
    with pytest.raises(NotFoundError, match="no input file"):
        predict_batch(model_dir, tmp_path / "missing.csv", tmp_path / "o.parquet")
    with pytest.raises(NotFoundError, match="no model directory"):
        predict_batch(tmp_path / "nothing here", source, tmp_path / "o.parquet")
    not_a_model = tmp_path / "folder"
    not_a_model.mkdir()
    with pytest.raises(ArtifactError, match="not a colloquy model directory"):
        predict_batch(not_a_model, source, tmp_path / "o.parquet")
