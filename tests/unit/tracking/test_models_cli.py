"""``colloquy models list|show|promote`` against a real MLflow store, run in-process."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import pytest

from colloquy.services.cli.main import main
from colloquy.tracking import MlflowRegistry

LogModels = Callable[[int], list[str]]


@pytest.fixture
def store(
    tracking_uri: str, log_models: LogModels, monkeypatch: pytest.MonkeyPatch
) -> MlflowRegistry:
    """The test's store with ``intent`` versions 1 (champion) and 2, set as the configured one."""
    monkeypatch.setenv("COLLOQUY_MLFLOW__TRACKING_URI", tracking_uri)
    registry = MlflowRegistry(tracking_uri)
    for uri in log_models(2):
        registry.register(uri, "intent")
    registry.set_alias("intent", "champion", 1)
    return registry


def test_list_and_show_as_json(store: MlflowRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(m["name"], m["latest_version"], m["aliases"]) for m in listed] == [
        ("intent", 2, {"champion": 1})
    ]
    assert main(["models", "show", "intent", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [v["version"] for v in shown["versions"]] == [2, 1]
    assert shown["versions"][1]["aliases"] == ["champion"]
    assert shown["versions"][0]["metrics"] == {"accuracy": 0.9}


def test_tables_for_people(store: MlflowRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "intent" in out
    assert "champion=1" in out
    assert main(["models", "show", "intent"]) == 0
    out = capsys.readouterr().out
    assert "versions" in out
    assert "accuracy=0.9" in out


def test_promote_moves_the_champion_and_keeps_the_old_one_as_challenger(
    store: MlflowRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["models", "promote", "intent", "2", "--alias", "champion", "-f", "json"]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert decision["promoted"] is True
    assert decision["previous"] == 1
    assert store.alias_version("intent", "champion") == 2
    assert store.alias_version("intent", "challenger") == 1
    assert main(["models", "promote", "intent", "1", "--alias", "staging"]) == 0
    assert store.alias_version("intent", "staging") == 1


def test_errors_are_one_line_with_exit_codes(
    store: MlflowRegistry, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["models", "show", "nope"]) == 4
    err = capsys.readouterr().err
    assert "no registered model named 'nope'" in err
    assert "Traceback" not in err
    assert main(["models", "promote", "intent", "9"]) == 4
    assert "has no version 9" in capsys.readouterr().err
    assert main(["models", "promote", "intent", "1", "--alias", "latest"]) == 2
    assert "alias 'latest' is not valid" in capsys.readouterr().err
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("COLLOQUY_MLFLOW__TRACKING_URI", f"http://127.0.0.1:{port}")
    assert main(["models", "list"]) == 2
    err = capsys.readouterr().err
    assert "is unreachable" in err
    assert len([line for line in err.splitlines() if "error" in line]) == 1


def test_an_empty_registry_says_so(
    tracking_uri: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLLOQUY_MLFLOW__TRACKING_URI", tracking_uri)
    assert main(["models", "list", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["models", "list"]) == 0
    assert "no registered models" in capsys.readouterr().out
