"""The real ``colloquy`` executable: exit codes, one-line errors, stdout/stderr discipline."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from colloquy import __version__
from colloquy.data.loaders.base import ROW_HINT
from colloquy.services.cli import config_cmd
from colloquy.services.cli.main import fit_hint, main


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


def test_json_mode_errors_are_one_json_object_on_stderr() -> None:
    result = run("data", "show", "nope", "--format", "json")
    assert result.returncode == 4
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    error = json.loads(line)
    assert error == {
        "error": "no dataset named 'nope'",
        "code": 4,
        "hint": error["hint"],
    }
    assert error["hint"]


def test_json_mode_usage_errors_are_json_too() -> None:
    result = run("data", "list", "--bogus", "--format", "json")
    assert result.returncode == 2
    error = json.loads(result.stderr)
    assert error["code"] == 2
    assert "--bogus" in error["error"]
    assert error["hint"] == "see colloquy data list --help"


def test_table_mode_keeps_one_line_errors() -> None:
    assert_one_line_error(run("data", "show", "nope"), 4, "no dataset named 'nope'")


def test_shell_completion_script() -> None:
    result = run(
        "--show-completion", "bash", env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    )
    assert result.returncode == 0, result.stderr
    assert "_COLLOQUY_COMPLETE=complete_bash" in result.stdout
    assert "--install-completion" in run("--help").stdout


def test_completion_offers_commands_and_sources() -> None:
    env = {"_COLLOQUY_COMPLETE": "complete_bash", "COMP_CWORD": "3"}
    result = run(env={**env, "COMP_WORDS": "colloquy data ingest bank"})
    assert result.returncode == 0, result.stderr
    assert "banking77" in result.stdout.split()
    groups = run(env={**env, "COMP_CWORD": "1", "COMP_WORDS": "colloquy d"})
    assert {"data", "db"} <= set(groups.stdout.split())


@pytest.fixture
def _root_logger_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


@pytest.mark.usefixtures("_root_logger_restored")
@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("table", "colloquy: interrupted"), ("json", '{"error": "interrupted", "code": 130')],
)
def test_ctrl_c_inside_a_command_says_interrupted(
    fmt: str, expected: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(config_cmd, "print_table", interrupt)
    monkeypatch.setattr(config_cmd, "print_json", interrupt)
    assert main(["config", "show", "--format", fmt]) == 130
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(expected)


def _deliver_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_sigint_during_a_download_exits_130_with_one_line(tmp_path: Path) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    connected = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        connection, _ = server.accept()
        held.append(connection)
        connected.set()

    threading.Thread(target=accept, daemon=True).start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}/banking77"
    process = subprocess.Popen(
        [sys.executable, "-m", "colloquy", "data", "fetch", "banking77", "--base-url", url,
         "--dest", str(tmp_path / "datasets")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell without job control starts background jobs (CI runners, `make … &`) with
        # SIGINT ignored, and children inherit that; a user's terminal delivers it.
        preexec_fn=_deliver_sigint,
    )  # fmt: skip
    try:
        assert connected.wait(60), "the download never connected"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
        for connection in held:
            connection.close()
        server.close()
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "colloquy: interrupted"
    assert "Traceback" not in stderr


def test_hints_name_only_options_the_command_has() -> None:
    assert fit_hint(ROW_HINT, frozenset({"--format"})) == "fix the row"
    assert fit_hint(ROW_HINT, frozenset({"--on-error", "--format"})) == ROW_HINT
    assert fit_hint("pass --kfold 5, or use --fractions", frozenset({"--fractions"})) == (
        "use --fractions"
    )
    assert fit_hint("pass --kfold 5", frozenset()) is None


def test_warnings_while_settings_load_are_json_log_lines(tmp_path: Path) -> None:
    env = {
        "COLLOQUY_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "COLLOQUY_DATABASE_URI": "sqlite:///elsewhere.db",
    }
    result = run("db", "upgrade", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stderr.splitlines()]
    warning = next(e for e in events if "COLLOQUY_DATABASE_URI" in e["event"])
    assert warning["level"] == "warning"
    assert {e["correlation_id"] for e in events} == {warning["correlation_id"]}
