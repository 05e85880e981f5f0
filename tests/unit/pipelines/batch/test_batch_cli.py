"""`colloquy predict batch` end to end, and a run killed with SIGKILL that resumes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from colloquy.pipelines.batch import parts_folder, predict_batch
from colloquy.pipelines.intent import IntentTrainingConfig, train_intent
from colloquy.progress import ProgressEvent
from colloquy.services.cli.main import main

INTENTS = ["card_arrival", "exchange_rate", "pin_blocked", "top_up_failed"]


@pytest.fixture(scope="module")
def model_dir(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("batch-cli")
    train = pd.read_csv(datasets_dir / "banking77" / "train.csv")
    train = train[train["category"].isin(INTENTS)].groupby("category").head(25)
    train.to_csv(folder / "train.csv", index=False)
    train_intent(
        folder / "train.csv",
        text_column="text",
        label_column="category",
        output=folder / "model",
        config=IntentTrainingConfig(method="tfidf"),
    )
    return folder / "model"


@pytest.fixture
def messages(datasets_dir: Path, tmp_path: Path) -> Path:
    test = pd.read_csv(datasets_dir / "banking77" / "test.csv").head(120)
    test[["text"]].rename(columns={"text": "body"}).to_csv(tmp_path / "in.csv", index=False)
    return tmp_path / "in.csv"


def test_the_command_writes_parquet_and_reports_json(
    model_dir: Path, messages: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out.parquet"
    args = ["predict", "batch", "--model", str(model_dir), "--input", str(messages)]
    args += ["--output", str(output), "--chunk-rows", "50", "--text-column", "body"]
    assert main([*args, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["rows"], report["chunks"], report["model_kind"]) == (120, 3, "intent")
    table = pq.read_table(output)
    assert table.num_rows == 120
    assert set(table.column("model_version").to_pylist()) == {report["model_version"]}
    assert main([*args[:-2], "--text-column", "missing"]) == 65
    err = capsys.readouterr().err
    assert "no column 'missing'; columns: body" in err
    assert "Traceback" not in err


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from colloquy.pipelines.batch import load_batch_model, predict_batch

    model = load_batch_model(Path(sys.argv[1]))
    inner, calls = model.predict, []

    def predict(items):
        calls.append(len(items))
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return inner(items)

    model.predict = predict
    predict_batch(model, Path(sys.argv[2]), Path(sys.argv[3]), chunk_rows=25)
    """
)


def test_a_run_killed_mid_chunk_resumes_with_identical_output(
    model_dir: Path, messages: Path, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.csv"
    pd.read_csv(messages).rename(columns={"body": "text"}).to_csv(plain, index=False)
    output = tmp_path / "out.parquet"
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(model_dir), str(plain), str(output)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    parts = parts_folder(output)
    finished = sorted(p.name for p in parts.iterdir() if p.name.startswith("part-"))
    assert finished == ["part-00000.parquet", "part-00001.parquet"]
    assert not output.exists()
    mtimes = {name: (parts / name).stat().st_mtime_ns for name in finished}
    seen: dict[str, int] = {}

    def watch(event: ProgressEvent) -> None:
        if event.done == 120:
            seen.update({name: (parts / name).stat().st_mtime_ns for name in finished})

    resumed = predict_batch(model_dir, plain, output, chunk_rows=25, progress=watch)
    assert (resumed.chunks, resumed.chunks_resumed) == (5, 2)
    assert seen == mtimes
    whole = predict_batch(model_dir, plain, tmp_path / "whole.parquet", chunk_rows=25)
    assert pq.read_table(output).equals(pq.read_table(whole.output))
