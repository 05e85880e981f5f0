"""``colloquy monitor`` end to end: snapshot a file, report drift, and the bad inputs.

The happy path runs the real executable once per command; the bad inputs call the same
entry point in-process (through ``run`` as well, for their one-line errors).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colloquy.services.cli.main import main

from .test_cli import run


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("monitor")
    rng = np.random.default_rng(11)
    n = 2000
    days = pd.date_range("2026-03-01", periods=n, freq="h", tz="UTC")
    reference = pd.DataFrame(
        {
            "started_at": days,
            "duration": rng.gamma(2.0, 60.0, n),
            "turns": rng.integers(2, 30, n).astype(float),
            "channel": rng.choice(["chat", "email", "voice"], n),
            "constant": 1.0,
            "empty": np.nan,
        }
    )
    current = reference.copy()
    current["duration"] = current["duration"] * 1.5
    current["channel"] = rng.choice(["chat", "voice"], n)
    paths = {
        "reference": root / "reference.csv",
        "current": root / "current.csv",
        "other": root / "other.csv",
        "snapshot": root / "reference.json",
        "html": root / "report.html",
        "metrics": root / "metrics.jsonl",
    }
    reference.to_csv(paths["reference"], index=False)
    current.to_csv(paths["current"], index=False)
    pd.DataFrame({"unrelated": range(20)}).to_csv(paths["other"], index=False)
    made = run(
        "monitor",
        "snapshot",
        "march",
        "--from",
        str(paths["reference"]),
        "--out",
        str(paths["snapshot"]),
        "--format",
        "json",
    )
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["rows"] == n
    return paths


def test_report_finds_the_shift_and_explains_each_column(files: dict[str, Path]) -> None:
    result = run(
        "monitor",
        "report",
        "--reference",
        str(files["snapshot"]),
        "--current",
        str(files["current"]),
        "--html",
        str(files["html"]),
        "--metrics-out",
        str(files["metrics"]),
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    points = [json.loads(line) for line in files["metrics"].read_text().splitlines()]
    assert [p["value"] for p in points if p["metric"] == "drift.march.drifted"] == [1.0]
    statuses = {f["feature"]: f["status"] for f in report["features"]}
    assert statuses == {
        "duration": "drifted",
        "turns": "stable",
        "channel": "drifted",
        "constant": "constant",
        "empty": "all_missing",
    }
    assert report["drifted"] is True
    assert report["tested"] == 3
    page = files["html"].read_text(encoding="utf-8")
    assert "Drift: DRIFT" in page
    assert page.count("plotly-graph-div") >= 3


def _error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("colloquy: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_evidently_rule_and_table_output(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["monitor", "report", "--reference", str(files["snapshot"])]
    assert main([*args, "--current", str(files["reference"]), "--rule", "evidently"]) == 0
    assert "no drift" in capsys.readouterr().out


def test_empty_window_is_reported_not_crashed(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["monitor", "report", "--reference", str(files["snapshot"])]
    code = main([*args, "--current", str(files["current"]), "--since", "2030-01-01", "-f", "json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert {f["status"] for f in report["features"]} == {"empty"}
    assert report["drifted"] is False


@pytest.mark.parametrize(
    ("case", "code", "needle"),
    [
        ("no_overlap", 65, "share no column"),
        ("missing_snapshot", 4, "does not exist"),
        ("empty_snapshot", 65, "no rows"),
        ("bad_rule", 2, "--rule"),
    ],
)
def test_bad_inputs_are_one_line_errors(
    files: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
    code: int,
    needle: str,
) -> None:
    report = ["monitor", "report", "--reference", str(files["snapshot"])]
    args = {
        "no_overlap": [*report, "--current", str(files["other"])],
        "missing_snapshot": [
            "monitor",
            "report",
            "--reference",
            str(tmp_path / "nope.json"),
            "--current",
            str(files["current"]),
        ],
        "empty_snapshot": [
            "monitor",
            "snapshot",
            "x",
            "--from",
            str(files["reference"]),
            "--since",
            "2030-01-01",
            "--out",
            str(tmp_path / "x.json"),
        ],
        "bad_rule": [*report, "--current", str(files["current"]), "--rule", "magic"],
    }[case]
    assert main(args) == code
    assert needle in _error_line(capsys.readouterr().err)
