"""``colloquy train|evaluate|predict intent`` through the real executable (the CLI contract)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from .test_cli import assert_one_line_error, run


@pytest.fixture(scope="module")
def files(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("intent")
    intents = ["card_arrival", "lost_or_stolen_card", "exchange_rate", "pin_blocked"]
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    test = pd.read_csv(datasets_dir / "banking77" / "test.csv")
    train = train[train["category"].isin(intents)].groupby("category").head(30)
    test = test[test["category"].isin(intents)]
    oos = pd.DataFrame(
        {"text": ["book me a flight to Oslo", "what's the capital of Peru"] * 5, "category": "oos"}
    )
    paths = {
        "train": folder / "train.csv",
        "test_jsonl": folder / "test.jsonl",
        "test_parquet": folder / "test.parquet",
        "train_oos": folder / "train_oos.csv",
    }
    train.to_csv(paths["train"], index=False)
    test.to_json(paths["test_jsonl"], orient="records", lines=True)
    test.to_parquet(paths["test_parquet"])
    pd.concat([train, oos]).to_csv(paths["train_oos"], index=False)
    return paths


def test_train_evaluate_predict(files: dict[str, Path], tmp_path: Path) -> None:
    model = tmp_path / "model"
    trained = run(
        "train", "intent", "--data", str(files["train"]), "--text-column", "text",
        "--label-column", "category", "--output", str(model), "--method", "tfidf",
        "--format", "json",
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert json.loads(trained.stdout)["method"] == "tfidf"
    for data in (files["test_jsonl"], files["test_parquet"]):
        evaluated = run(
            "evaluate", "intent", "--model", str(model), "--data", str(data),
            "--text-column", "text", "--label-column", "category", "--format", "json",
        )  # fmt: skip
        assert evaluated.returncode == 0, evaluated.stderr
        summary = json.loads(evaluated.stdout)
        assert summary["n"] == 160
        assert summary["accuracy"] > 0.8
        assert 0 < summary["macro_f1"] <= 1
    predicted = run(
        "predict", "intent", "--model", str(model), "--top-k", "2", "--format", "json",
        "my new card has not come yet", "what rate do you use to exchange euros",
    )  # fmt: skip
    assert predicted.returncode == 0, predicted.stderr
    first, second = json.loads(predicted.stdout)
    assert first["intent"] == "card_arrival"
    assert second["intent"] == "exchange_rate"
    assert len(first["top_k"]) == 2


def test_oos_scores_and_report(files: dict[str, Path], tmp_path: Path) -> None:
    model = tmp_path / "model"
    run(
        "train", "intent", "--data", str(files["train_oos"]), "--text-column", "text",
        "--label-column", "category", "--output", str(model), "--method", "tfidf",
        "--oos-label", "oos",
    )  # fmt: skip
    report = tmp_path / "report"
    evaluated = run(
        "evaluate", "intent", "--model", str(model), "--data", str(files["train_oos"]),
        "--text-column", "text", "--label-column", "category", "--oos-label", "oos",
        "--report", str(report), "--format", "json",
    )  # fmt: skip
    assert evaluated.returncode == 0, evaluated.stderr
    summary = json.loads(evaluated.stdout)
    for key in ("accuracy", "macro_f1", "n", "in_scope_accuracy", "oos_recall", "oos_precision"):
        assert key in summary
    assert (report / "report.html").is_file()


def test_bad_input_leaves_no_output(files: dict[str, Path], tmp_path: Path) -> None:
    output = tmp_path / "never"
    result = run(
        "train", "intent", "--data", str(files["train"]), "--text-column", "text",
        "--label-column", "intent", "--output", str(output), "--method", "tfidf",
    )  # fmt: skip
    assert_one_line_error(result, 65, "no column 'intent'", "category")
    assert not output.exists()
    assert list(tmp_path.iterdir()) == []
    single = tmp_path / "single.csv"
    single.write_text("text,category\nhello,a\nhi,a\n", encoding="utf-8")
    result = run(
        "train", "intent", "--data", str(single), "--text-column", "text",
        "--label-column", "category", "--output", str(output), "--method", "tfidf",
    )  # fmt: skip
    assert_one_line_error(result, 65, "at least 2 are needed")
    result = run("predict", "intent", "--model", str(tmp_path), "hello")
    assert_one_line_error(result, 66, "not a colloquy model directory")
