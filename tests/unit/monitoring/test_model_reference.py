"""A model's reference: training rows plus held-out prediction mix and confidence, stored
as ``model:NAME`` (and ``model:NAME/VERSION``), found again by name, clear when missing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colloquy.config import Settings
from colloquy.errors import NotFoundError
from colloquy.monitoring.frames import LABEL_FIELD, TEXT_FIELD
from colloquy.monitoring.model_reference import (
    CONFIDENCE_FIELD,
    PREDICTION_FIELD,
    REFERENCE_FILE,
    align_columns,
    load_model_reference,
    record_registered_reference,
    record_text_model_reference,
    split_model,
)
from colloquy.monitoring.reference import read_snapshot
from colloquy.storage import Store

TEXTS = ["where is my card", "I want a refund", "card not arrived yet", "refund my order"] * 30
LABELS = ["card", "refund", "card", "refund"] * 30


def _record(settings: Settings, folder: Path) -> None:
    rng = np.random.default_rng(3)
    record = record_text_model_reference(
        settings,
        folder,
        model="intents",
        source="test",
        texts=TEXTS,
        labels=LABELS,
        text_field="text",
        label_field="category",
        predictions=["card"] * 30 + ["refund"] * 10,
        confidence=rng.uniform(0.5, 1.0, 40).tolist(),
    )
    assert record.stored
    assert record.names == ("model:intents",)


def test_recorded_reference_holds_labels_predictions_and_texts(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    _record(settings, tmp_path / "stage")
    snapshot = read_snapshot(tmp_path / "stage" / REFERENCE_FILE)
    label = snapshot.feature("category")
    prediction = snapshot.feature(PREDICTION_FIELD)
    confidence = snapshot.feature(CONFIDENCE_FIELD)
    assert label is not None
    assert label.counts == {"card": 60, "refund": 60}
    assert prediction is not None
    assert prediction.counts == {"card": 30, "refund": 10}
    assert confidence is not None
    assert confidence.kind == "numeric"
    assert confidence.values.size == 40
    assert snapshot.texts[0].field == "text"
    assert snapshot.label_field == "category"
    with Store.open(settings.resolved_database_url) as store:
        assert load_model_reference(store, "intents").rows == len(TEXTS)


def test_registration_adds_the_versioned_reference(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    _record(settings, tmp_path / "stage")
    registered = record_registered_reference(
        settings, tmp_path / "stage", model="intents", version=3
    )
    assert registered is not None
    assert registered.names == ("model:intents", "model:intents/3")
    assert record_registered_reference(settings, tmp_path, model="intents", version=4) is None
    with Store.open(settings.resolved_database_url) as store:
        assert load_model_reference(store, "intents/3").name == "model:intents/3"
        with pytest.raises(NotFoundError, match=r"models with one: intents, intents/3"):
            load_model_reference(store, "intents/4")


def test_a_model_without_reference_says_how_to_make_one(tmp_path: Path) -> None:
    with (
        Store.open(f"sqlite:///{tmp_path / 's.db'}") as store,
        pytest.raises(NotFoundError, match="has no reference snapshot") as raised,
    ):
        load_model_reference(store, "unknown")
    assert "colloquy monitor snapshot model:unknown" in (raised.value.hint or "")


def test_an_unreachable_store_keeps_the_file_and_does_not_fail(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path / "home", database_url="postgresql+psycopg://nobody@127.0.0.1:9/none"
    )
    record = record_text_model_reference(
        settings,
        tmp_path / "stage",
        model="intents",
        source="test",
        texts=TEXTS,
        labels=LABELS,
        text_field="text",
        label_field="category",
        predictions=["card"],
        confidence=[0.9],
    )
    assert not record.stored
    assert (tmp_path / "stage" / REFERENCE_FILE).is_file()
    assert "only (not stored:" in record.describe()


def test_model_references_parse() -> None:
    assert split_model("intents") == ("intents", None)
    assert split_model("intents/3") == ("intents", "3")
    assert split_model("intents@champion") == ("intents", "champion")


def test_a_stored_dataset_frame_takes_the_reference_names(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    _record(settings, tmp_path / "stage")
    snapshot = read_snapshot(tmp_path / "stage" / REFERENCE_FILE)
    frame = pd.DataFrame({TEXT_FIELD: ["my card"], LABEL_FIELD: ["card"], "turns": [3]})
    assert list(align_columns(snapshot, frame).columns) == ["text", "category", "turns"]


def test_predict_batch_output_compares_its_predictions(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    _record(settings, tmp_path / "stage")
    snapshot = read_snapshot(tmp_path / "stage" / REFERENCE_FILE)
    batch = pd.DataFrame(
        {
            "row_number": [0],
            "row_id": ["a"],
            "text": ["my card"],
            "intent": ["card"],
            "confidence": [0.9],
            "model_name": ["intents"],
            "model_version": ["3"],
        }
    )
    assert list(align_columns(snapshot, batch).columns) == ["text", "prediction", "confidence"]
