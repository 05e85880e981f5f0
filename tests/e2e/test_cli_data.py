"""``colloquy data`` end to end through the real executable and a real SQLite file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from .test_cli import assert_one_line_error, run


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"COLLOQUY_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}


def test_csv_with_mapping_show_export_and_reimport(tmp_path: Path, env: dict[str, str]) -> None:
    chats = tmp_path / "chats.csv"
    chats.write_text(
        "chat_id,seq,role,message,plan,won\n"
        'a,1,user,"Hi, my card ending 4111 1111 1111 1111 was charged twice",pro,1\n'
        "a,2,rep,Sorry! Refund sent to jo@example.com,pro,1\n"
        "b,1,user,Cancel my plan please,basic,0\n",
        encoding="utf-8",
    )
    mapping = [
        "--map", "conversation_id=chat_id", "--map", "turn_order=seq",
        "--map", "speaker=role", "--map", "text=message",
        "--map", "metadata=plan", "--map", "outcome=won",
    ]  # fmt: skip
    ingested = run(
        "data", "ingest", "csv", str(chats), "--dataset", "crm", *mapping, "--format", "json",
        env=env,
    )  # fmt: skip
    assert ingested.returncode == 0, ingested.stderr
    summary = json.loads(ingested.stdout)
    assert (summary["inserted"], summary["turns_written"]) == (2, 3)
    assert summary["pii"]["counts"]["card"] == 1
    assert summary["pii"]["counts"]["email"] == 1

    shown = json.loads(run("data", "show", "crm", "--format", "json", env=env).stdout)
    assert shown["speakers"] == {"customer": 2, "agent": 1}
    assert shown["outcomes"] == {"converted=True": 1, "converted=False": 1}

    exported = tmp_path / "crm.jsonl"
    result = run(
        "data", "export", "crm", "--to", "jsonl", "--output", str(exported), "--format", "json",
        env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["conversations"] == 2
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert "<CARD>" in lines[0]
    again = run(
        "data", "ingest", "conversations", str(exported), "--dataset", "copy",
        "--format", "json", env=env,
    )  # fmt: skip
    assert json.loads(again.stdout)["inserted"] == 2

    parquet = tmp_path / "crm.parquet"
    run("data", "export", "crm", "--to", "parquet", "--output", str(parquet), env=env)
    frame = pd.read_parquet(parquet)
    assert list(frame["speaker"]) == ["customer", "agent", "customer"]
    assert frame["outcome_converted"].tolist() == [True, True, False]


def test_quality_json_and_html(datasets_dir: Path, tmp_path: Path, env: dict[str, str]) -> None:
    train = tmp_path / "banking77"
    train.mkdir()
    shutil.copy(datasets_dir / "banking77" / "test.csv", train / "test.csv")
    assert run("data", "ingest", "banking77", str(train), env=env).returncode == 0
    html = tmp_path / "q.html"
    result = run("data", "quality", "banking77", "--format", "json", "--html", str(html), env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["conversations"] == 3080
    assert len(report["labels"]["counts"]) == 77
    assert report["html"] == str(html)
    assert "<img" in html.read_text(encoding="utf-8")
    assert all(line.startswith("{") for line in result.stderr.splitlines() if line.strip())


def test_bad_rows_fail_with_location_then_skip(tmp_path: Path, env: dict[str, str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hello"}\n{not json\n{"text": "bye"}\n', encoding="utf-8")
    failed = run("data", "ingest", "jsonl", str(bad), env=env)
    assert_one_line_error(failed, 65, f"{bad}:2", "--on-error skip")
    assert json.loads(run("data", "list", "--format", "json", env=env).stdout) == []
    skipped = run(
        "data", "ingest", "jsonl", str(bad), "--on-error", "skip", "--format", "json", env=env
    )
    summary = json.loads(skipped.stdout)
    assert (summary["inserted"], summary["rows_skipped"]) == (2, 1)


def test_missing_mapped_column_names_what_exists(tmp_path: Path, env: dict[str, str]) -> None:
    file = tmp_path / "x.csv"
    file.write_text("body,who\nhi,user\n", encoding="utf-8")
    result = run("data", "ingest", "csv", str(file), "--map", "text=message", env=env)
    assert_one_line_error(result, 65, "'message'", "body, who")


def test_unknown_dataset(env: dict[str, str]) -> None:
    assert_one_line_error(run("data", "show", "nope", env=env), 4, "no dataset named 'nope'")


def test_fetch_from_a_local_mirror(datasets_dir: Path, tmp_path: Path) -> None:
    dest = tmp_path / "datasets"
    mirror = (datasets_dir / "banking77").as_uri()
    result = run("data", "fetch", "banking77", "--dest", str(dest), "--base-url", mirror)
    assert result.returncode == 0, result.stderr
    assert (dest / "banking77" / "train.csv").read_bytes() == (
        datasets_dir / "banking77" / "train.csv"
    ).read_bytes()
    assert_one_line_error(run("data", "fetch", "nosuch", "--dest", str(dest)), 2, "banking77")


def test_split_is_saved_with_the_dataset(
    datasets_dir: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    assert (
        run("data", "ingest", "banking77", str(datasets_dir / "banking77"), env=env).returncode == 0
    )
    out = tmp_path / "split.json"
    result = run(
        "data", "split", "banking77", "--official", "split", "--seed", "3",
        "--output", str(out), "--format", "json", env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    sizes = {part["name"]: part["size"] for part in summary["splits"]}
    assert sizes["test"] == 3080
    assert sizes["train"] + sizes["validation"] == 10003
    again = json.loads(
        run(
            "data", "split", "banking77", "--official", "split", "--seed", "3",
            "--format", "json", env=env,
        ).stdout
    )  # fmt: skip
    assert again["ids_sha256"] == summary["ids_sha256"]
    assert json.loads(out.read_text(encoding="utf-8"))["splits"] == summary["splits"]
