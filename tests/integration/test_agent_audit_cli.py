"""``colloquy agent replay`` and ``colloquy agent sessions`` on a SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from colloquy.agent.audit import AuditLog
from colloquy.services.cli import render
from colloquy.services.cli.main import main
from colloquy.storage import Store

from .test_agent_audit_log import STATUS, STATUS_DRAFT, record_claim_inquiry


@pytest.fixture
def store_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite store holding one recorded claim inquiry ("s-1") and one open session."""
    path = tmp_path / "agent.db"
    monkeypatch.setenv("COLLOQUY_DATABASE_URL", f"sqlite:///{path}")
    with Store.open(f"sqlite:///{path}") as store:
        audit = AuditLog(store)
        record_claim_inquiry(audit, "s-1")
        audit.start("s-2", "api")
    return path


def test_replay_prints_the_conversation_with_its_audit_trail(
    store_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render.stdout, "width", 240)
    assert main(["agent", "replay", "s-1"]) == 0
    out = capsys.readouterr().out
    for expected in (
        "claim_inquiry@v1",
        "verify_customer_identity",
        "verify_identity → ask_claim (tool_ok)",
        "grounding",
        "3000.00 was not returned by a tool",
    ):
        assert expected in out, expected
    assert out.index("555-0142, claim 12") < out.index(STATUS.split(".")[0])


def test_replay_as_json_holds_every_turn_and_event(
    store_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["agent", "replay", "s-1", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["session"]["id"] == "s-1"
    assert [t["turn"] for t in document["turns"]] == [0, 1, 2]
    assert document["turns"][2]["draft"] == STATUS_DRAFT
    assert document["turns"][2]["reply"] == STATUS
    assert document["events"][-1]["kind"] == "session_ended"


def test_an_unknown_session_is_one_line_naming_the_sessions_command(
    store_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["agent", "replay", "nope"]) == 4
    err = capsys.readouterr().err
    assert "'nope' does not exist" in err
    assert "colloquy agent sessions" in err
    assert "Traceback" not in err


def test_sessions_lists_newest_first_and_exports_to_a_dataset(
    store_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["agent", "sessions", "--limit", "1", "--format", "json"]) == 0
    page = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in page["sessions"]] == ["s-2"]
    assert page["next_before"] == "s-2"
    args = ["agent", "sessions", "--before", "s-2", "--export", "agent-calls", "--format", "json"]
    assert main(args) == 0
    older = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in older["sessions"]] == ["s-1"]
    assert older["sessions"][0]["journey"] == "claim_inquiry@v1"
    assert older["exported"] == {"dataset": "agent-calls", "inserted": 1}
    assert main(["agent", "sessions"]) == 0
    assert "s-1" in capsys.readouterr().out
