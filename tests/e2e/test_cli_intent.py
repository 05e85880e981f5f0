"""``colloquy train|evaluate|predict intent`` through the real executable (the CLI contract)."""

from __future__ import annotations

import json
import subprocess
import sys
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


def _predict_stdin(model: Path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "colloquy", "predict", "intent", "--model", str(model), *args],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def tfidf_model(files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = tmp_path_factory.mktemp("tfidf") / "model"
    trained = run(
        "train", "intent", "--data", str(files["train"]), "--text-column", "text",
        "--label-column", "category", "--output", str(model), "--method", "tfidf",
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    return model


def test_predict_reads_files_and_stdin_and_streams_jsonl(tfidf_model: Path, tmp_path: Path) -> None:
    messages = ["my new card has not come yet", "what rate do you use to exchange euros"]
    expected = ["card_arrival", "exchange_rate"]
    txt = tmp_path / "messages.txt"
    txt.write_text("\n".join(messages) + "\n", encoding="utf-8")
    csv_file = tmp_path / "messages.csv"
    pd.DataFrame({"id": [1, 2], "body": messages}).to_csv(csv_file, index=False)
    jsonl = tmp_path / "messages.jsonl"
    jsonl.write_text("".join(json.dumps({"message": m}) + "\n" for m in messages), "utf-8")
    for args in (
        ("--input", str(txt)),
        ("--input", str(csv_file), "--text-column", "body"),
        ("--input", str(jsonl), "--text-field", "message"),
    ):
        result = run("predict", "intent", "--model", str(tfidf_model), *args, "--format", "json")
        assert result.returncode == 0, result.stderr
        assert [p["intent"] for p in json.loads(result.stdout)] == expected
    piped = _predict_stdin(tfidf_model, "\n".join(messages * 300) + "\n", "--format", "jsonl")
    assert piped.returncode == 0, piped.stderr
    lines = piped.stdout.splitlines()
    assert len(lines) == 600
    assert [json.loads(line)["intent"] for line in lines[:2]] == expected
    assert set(json.loads(lines[0])) == {"text", "intent", "confidence", "top_k"}
    dash = _predict_stdin(tfidf_model, messages[0] + "\n", "-", "--format", "json")
    assert dash.returncode == 0, dash.stderr
    assert json.loads(dash.stdout)[0]["intent"] == "card_arrival"


def test_predict_refuses_empty_texts_naming_the_line(tfidf_model: Path, tmp_path: Path) -> None:
    blank = tmp_path / "blank.txt"
    blank.write_text("my card is late\n   \nhello\n", encoding="utf-8")
    result = run("predict", "intent", "--model", str(tfidf_model), "--input", str(blank))
    assert_one_line_error(result, 65, "blank.txt line 2", "empty")
    argument = run("predict", "intent", "--model", str(tfidf_model), "ok", " ")
    assert_one_line_error(argument, 65, "TEXT argument 2")
    piped = _predict_stdin(tfidf_model, "fine\n\n")
    assert_one_line_error(piped, 65, "stdin line 2")
    rows = tmp_path / "rows.csv"
    rows.write_text('text\nhello\n"  "\n', encoding="utf-8")
    csv_result = run("predict", "intent", "--model", str(tfidf_model), "--input", str(rows))
    assert_one_line_error(csv_result, 65, "rows.csv line 3")
    missing = run(
        "predict", "intent", "--model", str(tfidf_model), "--input", str(rows),
        "--text-column", "body",
    )  # fmt: skip
    assert_one_line_error(missing, 65, "no column 'body'", "'text'")


def test_train_output_is_never_clobbered(files: dict[str, Path], tmp_path: Path) -> None:
    keep = tmp_path / "notes"
    keep.mkdir()
    (keep / "mine.txt").write_text("precious", encoding="utf-8")
    args = (
        "train", "intent", "--data", str(files["train"]), "--text-column", "text",
        "--label-column", "category", "--method", "tfidf",
    )  # fmt: skip
    refused = run(*args, "--output", str(keep), "--overwrite")
    assert_one_line_error(refused, 66, str(keep))
    assert (keep / "mine.txt").read_text(encoding="utf-8") == "precious"
    model = tmp_path / "model"
    assert run(*args, "--output", str(model)).returncode == 0
    again = run(*args, "--output", str(model))
    assert_one_line_error(again, 66, "--overwrite")
    replaced = run(*args, "--output", str(model), "--overwrite", "--format", "json")
    assert replaced.returncode == 0, replaced.stderr
    assert json.loads(replaced.stdout)["labels"]
