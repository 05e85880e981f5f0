"""IntentClassifier on real BANKING77 rows: fitting, OOS rejection, artifacts, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colloquy.errors import ArtifactError, DataError, NotFoundError
from colloquy.models.intent import IntentClassifier

INTENTS = ("card_arrival", "lost_or_stolen_card", "exchange_rate", "top_up_failed", "pin_blocked")


@pytest.fixture(scope="module")
def rows(datasets_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    test = pd.read_csv(datasets_dir / "banking77" / "test.csv")
    keep_train = train[train["category"].isin(INTENTS)].groupby("category").head(40)
    return keep_train.reset_index(drop=True), test[test["category"].isin(INTENTS)]


def test_tfidf_learns_and_ranks(rows: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, test = rows
    model = IntentClassifier(method="tfidf").fit(train["text"], train["category"])
    assert sorted(model.classes_) == sorted(INTENTS)
    accuracy = float(np.mean(model.predict(test["text"]) == test["category"].to_numpy()))
    assert accuracy > 0.8
    proba = model.predict_proba(test["text"][:4])
    assert proba.shape == (4, len(INTENTS))
    assert np.allclose(proba.sum(axis=1), 1.0)
    [ranked] = model.top_k(["I lost my card yesterday"], k=2)
    assert ranked[0][0] == "lost_or_stolen_card"
    assert ranked[0][1] >= ranked[1][1]


def test_frozen_with_auto_blend_beats_chance_and_records_choice(
    rows: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    train, test = rows
    model = IntentClassifier(method="frozen").fit(train["text"], train["category"])
    assert model.fit_report_["tfidf_weight"] == model.tfidf_weight_
    assert set(model.fit_report_["tfidf_weight_validation"]) >= {"0.0", "0.5"}
    assert 0.05 <= model.temperature_ <= 3.0
    assert model.fit_report_["temperature"] == model.temperature_
    accuracy = float(np.mean(model.predict(test["text"]) == test["category"].to_numpy()))
    assert accuracy > 0.9


def test_out_of_scope_rows_tune_a_threshold(rows: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, _ = rows
    unrelated = [
        "what's the weather like in Lisbon tomorrow",
        "recommend a good pizza place nearby",
        "how tall is the Eiffel tower",
        "play some jazz music",
        "who won the football match last night",
        "translate good morning into Japanese",
    ] * 4
    texts = [*train["text"], *unrelated]
    labels = [*train["category"], *(["oos"] * len(unrelated))]
    model = IntentClassifier(method="tfidf", oos_label="oos").fit(texts, labels)
    assert "oos" not in model.classes_
    assert model.threshold_ is not None
    assert 0.0 < model.threshold_ < 1.0
    assert model.predict(["set an alarm for six and tell me a joke about penguins"])[0] == "oos"
    assert model.predict(["my card still hasn't arrived"])[0] == "card_arrival"


def test_save_and_load_round_trip(rows: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path) -> None:
    train, test = rows
    model = IntentClassifier(method="tfidf").fit(train["text"], train["category"])
    manifest = model.save(tmp_path / "model", metrics={"note": 1})
    assert manifest["format"] == "colloquy-intent"
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == [
        "manifest.json",
        "tfidf.skops",
    ]
    loaded = IntentClassifier.load(tmp_path / "model")
    assert np.allclose(loaded.predict_proba(test["text"]), model.predict_proba(test["text"]))
    assert list(tmp_path.iterdir()) == [tmp_path / "model"]


@pytest.mark.parametrize(
    ("texts", "labels", "pattern"),
    [
        (["a", "", "c", "d"], ["x", "y", "x", "y"], "empty texts"),
        (["a", "b"], ["x", "x"], "at least 2 are needed"),
        (["a", "b"], ["x"], "2 texts but 1 labels"),
    ],
)
def test_bad_training_data(texts: list[str], labels: list[str], pattern: str) -> None:
    with pytest.raises(DataError, match=pattern):
        IntentClassifier(method="tfidf").fit(texts, labels)


def test_incompatible_and_corrupt_directories(
    rows: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    train, _ = rows
    IntentClassifier(method="tfidf").fit(train["text"], train["category"]).save(tmp_path / "m")
    with pytest.raises(NotFoundError):
        IntentClassifier.load(tmp_path / "absent")
    future = tmp_path / "future"
    shutil.copytree(tmp_path / "m", future)
    manifest = json.loads((future / "manifest.json").read_text())
    manifest["format_version"] = 99
    (future / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="format 99"):
        IntentClassifier.load(future)
    corrupt = tmp_path / "corrupt"
    shutil.copytree(tmp_path / "m", corrupt)
    (corrupt / "tfidf.skops").write_bytes(b"not a zip file")
    with pytest.raises(ArtifactError, match="corrupt"):
        IntentClassifier.load(corrupt)
    (corrupt / "manifest.json").write_text("{")
    with pytest.raises(ArtifactError, match="corrupt"):
        IntentClassifier.load(corrupt)


def test_label_names_become_training_examples(rows: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, _ = rows
    few = train.groupby("category").head(2)
    model = IntentClassifier(method="tfidf", label_examples=True).fit(few["text"], few["category"])
    assert model.predict(["exchange rate"])[0] == "exchange_rate"
    assert model.predict(["pin blocked"])[0] == "pin_blocked"
