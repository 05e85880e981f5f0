"""Operations commands through the real CLI: doctor, db backup/restore, monitor run, alerts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.integration.test_store import make_conversation

from colloquy.services.cli.main import main
from colloquy.storage import Store, create_store_engine
from colloquy.storage.migrate import upgrade

from .test_bad_inputs import logging_restored


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("COLLOQUY_DATABASE_URL", url)
    monkeypatch.setenv("COLLOQUY_LOGGING__LEVEL", "warning")
    monkeypatch.delenv("COLLOQUY_REDIS_URL", raising=False)
    with logging_restored():
        yield url


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, object]:
    code = main([*args, "--format", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else err


def test_doctor_passes_on_a_healthy_install(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, checks = _json(capsys, "doctor")
    assert code == 0, checks
    assert isinstance(checks, list)
    status = {c["check"]: c["status"] for c in checks}
    assert status["database"] == "ok"
    assert status["model"] == "ok"
    assert status["redis"] == "skip"
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()  # the doctor only looks


def test_doctor_says_how_to_fix_an_old_schema(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = create_store_engine(sqlite_url)
    upgrade(engine, "0005")
    engine.dispose()
    code, checks = _json(capsys, "doctor", "--skip-model")
    assert code == 1
    assert isinstance(checks, list)
    database = next(c for c in checks if c["check"] == "database")
    assert database["status"] == "fail"
    assert database["fix"] == "run `colloquy db upgrade`"


def test_doctor_fails_on_an_unreachable_database(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLLOQUY_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    with logging_restored():
        code, checks = _json(capsys, "doctor", "--skip-model")
    assert code == 1
    assert isinstance(checks, list)
    assert next(c for c in checks if c["check"] == "database")["status"] == "fail"


def test_backup_and_restore_round_trip(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Store.open(sqlite_url) as store:
        store.ingest(
            dataset="d", source="test", conversations=[make_conversation(i) for i in range(12)]
        )
    capsys.readouterr()
    code, made = _json(capsys, "db", "backup", str(tmp_path / "b.db"))
    assert code == 0, made
    assert isinstance(made, dict)
    assert made["counts"]["conversations"] == 12
    with Store.open(sqlite_url) as store:
        store.ingest(dataset="e", source="test", conversations=[make_conversation(99)])
    capsys.readouterr()
    code, restored = _json(capsys, "db", "restore", str(tmp_path / "b.db"))
    assert code == 0, restored
    assert isinstance(restored, dict)
    assert restored["counts"] == made["counts"]
    assert main(["db", "restore", str(tmp_path / "missing.db")]) == 4
    assert "does not exist" in capsys.readouterr().err


def test_monitor_run_once_then_alerts_list_and_ack(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import colloquy.services.cli.monitor_run_cmd  # noqa: F401  (registers `monitor run`)

    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "channels:\n  log: {type: log}\n"
        "rules:\n  psi: {metric: drift.psi, threshold: 0.2, channels: [log]}\n"
    )
    metrics = tmp_path / "metrics.jsonl"
    metrics.write_text('{"metric": "drift.psi", "at": "2026-06-01T00:00:00Z", "value": 0.3}\n')
    args = ["monitor", "run", "--rules", str(rules), "--metrics", str(metrics), "--once"]
    code, report = _json(capsys, *args, "--at", "2026-06-01T01:00:00")
    assert code == 0, report
    assert isinstance(report, dict)
    assert [r["status"] for r in report["rules"]] == ["fired"]
    code, alerts = _json(capsys, "alerts", "list", "--unacknowledged")
    assert isinstance(alerts, list)
    assert [(a["rule"], a["deliveries"][0]["status"]) for a in alerts] == [("psi", "delivered")]
    code, acked = _json(capsys, "alerts", "ack", str(alerts[0]["id"]), "--by", "ana")
    assert code == 0
    assert isinstance(acked, dict)
    assert acked["acknowledged_by"] == "ana"
    assert _json(capsys, "alerts", "list", "--unacknowledged")[1] == []
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "channels:\n  log: {type: log}\nrules:\n"
        "  x: {metric: m, threshold: high, channels: [log]}\n"
    )
    assert main([*args[:2], "--rules", str(bad), *args[4:]]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err
    assert "threshold" in err
