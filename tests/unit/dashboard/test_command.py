"""``colloquy dashboard``: a broken store fails at the command, before any server starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from colloquy.services.cli.main import main
from colloquy.services.dashboard import app_path
from colloquy.services.dashboard.config import DashboardConfig, parse_args


def test_unreachable_database_is_one_line_and_no_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLLOQUY_HOME", str(tmp_path))
    monkeypatch.setenv("COLLOQUY_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    assert main(["dashboard", "--port", "8599"]) != 0
    err = capsys.readouterr().err
    assert "colloquy: error:" in err
    assert "Traceback" not in err
    assert "dashboard on http" not in err


def test_options_reach_the_app_as_script_arguments() -> None:
    config = DashboardConfig(
        config_file=Path("c.yaml"),
        conversion_model="deals@champion",
        drift_metrics=Path("d.jsonl"),
        refresh_seconds=30,
    )
    assert parse_args(["-x", *config.to_args(), "tests/"]) == config
    assert parse_args([]) == DashboardConfig()
    assert parse_args(["--refresh", "1"]).refresh_seconds == 5
    assert app_path().name == "app.py"
    assert app_path().is_file()
