"""``colloquy train sentiment`` and ``colloquy evaluate sentiment`` run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from colloquy.services.cli.main import main

ROWS = [
    ("I love it, this is wonderful", "positive"),
    ("great job, thank you so much", "positive"),
    ("best day ever, amazing", "positive"),
    ("really happy with the result", "positive"),
    ("fantastic support, very good", "positive"),
    ("this is awful, I hate it", "negative"),
    ("terrible service, never again", "negative"),
    ("worst product, totally broken", "negative"),
    ("I am angry and disappointed", "negative"),
    ("horrible experience, so bad", "negative"),
    ("the call is at three", "neutral"),
    ("send the invoice by Friday", "neutral"),
    ("the office is on the second floor", "neutral"),
    ("we will meet on Tuesday", "neutral"),
    ("the file has two columns", "neutral"),
]


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    path = tmp_path / "sentiment.csv"
    pd.DataFrame(ROWS, columns=["text", "sentiment"]).to_csv(path, index=False)
    return path


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)
    assert isinstance(result, dict)
    return result


def test_train_then_evaluate_reports_json(
    labelled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    columns = ["--data", str(labelled), "--text-column", "text", "--label-column", "sentiment"]
    model = tmp_path / "model"
    trained = _json(capsys, "train", "sentiment", *columns, "--output", str(model), "-f", "json")
    assert trained["training_rows"] == 15
    assert (model / "manifest.json").is_file()
    for spec in (str(model), "vader"):
        result = _json(capsys, "evaluate", "sentiment", "--model", spec, *columns, "-f", "json")
        assert {"macro_recall", "accuracy", "macro_f1", "n", "recall"} <= result.keys()
        assert result["n"] == 15
        assert isinstance(result["recall"], dict)
        assert set(result["recall"]) == {"negative", "neutral", "positive"}
    vader = _json(capsys, "evaluate", "sentiment", "--model", "vader", *columns, "-f", "json")
    assert vader["macro_recall"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("column", "rows", "needle"),
    [
        ("label", ROWS, "no column 'label'"),
        ("sentiment", [*ROWS, ("so so", "meh")], "unknown sentiment label 'meh'"),
    ],
)
def test_bad_input_is_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    column: str,
    rows: list[tuple[str, str]],
    needle: str,
) -> None:
    path = tmp_path / "bad.csv"
    pd.DataFrame(rows, columns=["text", "sentiment"]).to_csv(path, index=False)
    args = ["--data", str(path), "--text-column", "text", "--label-column", column]
    for command in (
        ["train", "sentiment", *args, "--output", str(tmp_path / "m")],
        ["evaluate", "sentiment", "--model", "vader", *args],
    ):
        code = main(command)
        _, err = capsys.readouterr()
        lines = [line for line in err.splitlines() if line.strip()]
        assert code == 65, err
        assert len(lines) == 1, err
        assert needle in lines[0]
        assert "Traceback" not in err
    assert not (tmp_path / "m").exists()
