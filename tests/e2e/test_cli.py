"""The real ``colloquy`` executable: exit codes, one-line errors, stdout/stderr discipline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from colloquy import __version__


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "colloquy", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def assert_one_line_error(
    result: subprocess.CompletedProcess[str], code: int, *needles: str
) -> None:
    assert result.returncode == code, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("colloquy: error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"colloquy {__version__}"


def test_help_lists_command_groups() -> None:
    result = run("--help")
    assert result.returncode == 0
    for group in ("config", "db", "data"):
        assert group in result.stdout


def test_config_show_json_reflects_file_and_env(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("storage:\n  batch_size: 42\n", encoding="utf-8")
    result = run(
        "--config",
        str(config),
        "config",
        "show",
        "--format",
        "json",
        env={"COLLOQUY_DATABASE_URL": "postgresql+psycopg://me:secret@db.example/x"},
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["storage"]["batch_size"] == 42
    assert "secret" not in result.stdout
    assert shown["resolved"]["database_url"] == "postgresql+psycopg://me:***@db.example/x"


def test_invalid_config_exits_2_with_location(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("logging:\n  level: loud\n", encoding="utf-8")
    result = run("--config", str(config), "config", "show")
    assert_one_line_error(result, 2, f"{config}:2", "logging.level", "'loud'")


def test_malformed_yaml_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("storage: [unclosed\n", encoding="utf-8")
    assert_one_line_error(run("--config", str(config), "db", "status"), 2, "malformed YAML")


def test_debug_shows_traceback(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("nope: 1\n", encoding="utf-8")
    result = run("--debug", "--config", str(config), "config", "show")
    assert result.returncode == 2
    assert "Traceback" in result.stderr


def test_db_upgrade_and_status_json(tmp_path: Path) -> None:
    env = {"COLLOQUY_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    before = run("db", "status", "--format", "json", env=env)
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout)["current"] is None
    upgraded = run("db", "upgrade", "--format", "json", env=env)
    assert json.loads(upgraded.stdout)["up_to_date"] is True


def test_logs_are_json_lines_on_stderr_with_correlation_id(tmp_path: Path) -> None:
    env = {"COLLOQUY_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = run("db", "upgrade", "--format", "json", env=env)
    json.loads(result.stdout)
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert events, result.stderr
    ids = {event["correlation_id"] for event in events}
    assert len(ids) == 1
    assert any(event["event"] == "db.upgraded" for event in events)


@pytest.mark.parametrize(
    ("url", "code", "needle"),
    [
        ("not a url", 2, "not a valid SQLAlchemy URL"),
        ("nonsense://", 2, "supports sqlite and postgresql"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", 3, "cannot reach database"),
    ],
)
def test_bad_database_urls(url: str, code: int, needle: str) -> None:
    result = run("db", "status", env={"COLLOQUY_DATABASE_URL": url})
    assert_one_line_error(result, code, needle)


def test_unknown_source_lists_valid_ones(tmp_path: Path) -> None:
    result = run("data", "ingest", "nosuch", str(tmp_path))
    assert_one_line_error(result, 2, "unknown source 'nosuch'", "banking77")


def test_missing_path(tmp_path: Path) -> None:
    result = run("data", "ingest", "banking77", str(tmp_path / "absent"))
    assert_one_line_error(result, 4, "does not exist")


def test_ingest_banking77_then_list(datasets_dir: Path, tmp_path: Path) -> None:
    env = {"COLLOQUY_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    path = str(datasets_dir / "banking77")
    first = run("data", "ingest", "banking77", path, "--format", "json", env=env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["inserted"] == 13083
    second = run("data", "ingest", "banking77", path, "--format", "json", env=env)
    assert json.loads(second.stdout)["inserted"] == 0
    listed = json.loads(run("data", "list", "--format", "json", env=env).stdout)
    assert listed[0]["conversations"] == 13083
