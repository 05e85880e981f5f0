"""Intent jobs return typed records, and a loaded model answers many predictions."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from colloquy.errors import DataError, UsageError
from colloquy.models.intent import IntentClassifier
from colloquy.pipelines.intent import (
    IntentModel,
    IntentTrainingConfig,
    evaluate_intent,
    predict_intent,
    train_intent,
)
from colloquy.pipelines.records import IntentEvaluation, IntentManifest, IntentPrediction

INTENTS = ["card_arrival", "exchange_rate", "pin_blocked"]


@pytest.fixture(scope="module")
def data(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("intent-data")
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    test = pd.read_csv(datasets_dir / "banking77" / "test.csv")
    train = train[train["category"].isin(INTENTS)].groupby("category").head(30)
    test = test[test["category"].isin(INTENTS)].groupby("category").head(10)
    oos = pd.DataFrame(
        {"text": ["book a flight to Oslo", "who won the match"] * 4, "category": "oos"}
    )
    paths = {"train": folder / "train.csv", "test": folder / "test.csv", "oos": folder / "oos.csv"}
    train.to_csv(paths["train"], index=False)
    test.to_csv(paths["test"], index=False)
    pd.concat([test, oos]).to_csv(paths["oos"], index=False)
    return paths


@pytest.fixture(scope="module")
def trained(
    data: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, IntentManifest]:
    output = tmp_path_factory.mktemp("intent-model") / "model"
    manifest = train_intent(
        data["train"],
        text_column="text",
        label_column="category",
        output=output,
        config=IntentTrainingConfig(method="tfidf"),
    )
    return output, manifest


def test_training_returns_the_manifest_as_a_record(trained: tuple[Path, IntentManifest]) -> None:
    output, manifest = trained
    assert isinstance(manifest, IntentManifest)
    assert manifest.method == "tfidf"
    assert manifest.labels == tuple(INTENTS)
    assert manifest.metrics.training_rows == 90
    assert manifest.metrics.classes == 3
    on_disk = json.loads((output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest.labels == tuple(on_disk["labels"])
    with pytest.raises(ValidationError):
        manifest.method = "frozen"  # type: ignore[misc]


def test_a_loaded_model_answers_many_calls_with_records(
    trained: tuple[Path, IntentManifest], monkeypatch: pytest.MonkeyPatch
) -> None:
    output, _ = trained
    loads = []
    original = IntentClassifier.load.__func__  # type: ignore[attr-defined]

    def counting(
        cls: type[IntentClassifier], /, *args: object, **kwargs: object
    ) -> IntentClassifier:
        loads.append(args)
        return original(cls, *args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(IntentClassifier, "load", classmethod(counting))
    model = IntentModel.load(output)
    first = model.predict(["my new card has not arrived yet"], top_k=2)
    second = model.predict(["what exchange rate do you use", "my pin is blocked"])
    one = model.predict_one("my card still hasn't come")
    assert len(loads) == 1
    assert model.labels == tuple(INTENTS)
    assert [p.intent for p in (*first, *second, one)] == [
        "card_arrival",
        "exchange_rate",
        "pin_blocked",
        "card_arrival",
    ]
    prediction = first[0]
    assert isinstance(prediction, IntentPrediction)
    assert len(prediction.top_k) == 2
    assert prediction.top_k[0].intent == prediction.intent
    assert prediction.confidence == pytest.approx(prediction.top_k[0].probability)
    assert prediction.top_k[0].probability >= prediction.top_k[1].probability
    assert json.loads(prediction.model_dump_json())["top_k"][1]["intent"] in INTENTS


def test_empty_texts_are_refused_with_their_position(trained: tuple[Path, IntentManifest]) -> None:
    model = IntentModel.load(trained[0])
    with pytest.raises(DataError, match="text 2 of 3 is empty"):
        model.predict(["hello", "   ", "card"])
    with pytest.raises(UsageError, match="list of texts"):
        model.predict("a single string")
    with pytest.raises(UsageError, match="top_k"):
        model.predict(["hello"], top_k=0)


def test_one_shot_prediction_matches_the_loaded_model(trained: tuple[Path, IntentManifest]) -> None:
    texts = ["where is my card", "my pin got blocked"]
    assert predict_intent(trained[0], texts, top_k=3) == IntentModel.load(trained[0]).predict(
        texts, top_k=3
    )


def test_evaluation_is_a_record_and_writes_the_report(
    trained: tuple[Path, IntentManifest], data: dict[str, Path], tmp_path: Path
) -> None:
    evaluation = evaluate_intent(
        trained[0], data["test"], text_column="text", label_column="category", report=tmp_path / "r"
    )
    assert isinstance(evaluation, IntentEvaluation)
    assert evaluation.n == 30
    assert evaluation.accuracy > 0.8
    assert evaluation.accuracy_ci95 is not None
    assert evaluation.accuracy_ci95[0] <= evaluation.accuracy <= evaluation.accuracy_ci95[1]
    assert evaluation.oos_recall is None
    assert evaluation.report is not None
    assert Path(evaluation.report).is_file()


def test_undefined_oos_scores_are_none_so_json_stays_valid(
    trained: tuple[Path, IntentManifest], data: dict[str, Path]
) -> None:
    """The model has no OOS class, so it never says "oos": precision is undefined."""
    evaluation = evaluate_intent(
        trained[0], data["oos"], text_column="text", label_column="category", oos_label="oos"
    )
    assert evaluation.oos_n == 8
    assert evaluation.oos_recall == 0.0
    assert evaluation.oos_precision is None
    dumped = evaluation.model_dump_json()
    assert "NaN" not in dumped
    assert all(not (isinstance(v, float) and math.isnan(v)) for v in json.loads(dumped).values())


def test_unknown_test_labels_get_a_hint_for_cli_users(
    trained: tuple[Path, IntentManifest], data: dict[str, Path]
) -> None:
    with pytest.raises(DataError) as caught:
        evaluate_intent(trained[0], data["oos"], text_column="text", label_column="category")
    message = caught.value.one_line()
    assert "'oos'" in message
    assert "--oos-label" in message
    assert "classes_" not in message


def test_an_oos_label_absent_from_the_data_is_refused(
    data: dict[str, Path], tmp_path: Path
) -> None:
    with pytest.raises(DataError, match="no row of column 'category' is labelled 'oops'"):
        train_intent(
            data["train"],
            text_column="text",
            label_column="category",
            output=tmp_path / "m",
            config=IntentTrainingConfig(method="tfidf"),
            oos_label="oops",
        )
    assert not (tmp_path / "m").exists()
