"""The API's background alert schedule on a real uvicorn server with a short interval:
it fires once and then suppresses, reaches a real HTTP receiver, survives a pass that
fails, reports itself in ``/v1/monitoring/status`` and ``/metrics``, runs in one of two
apps sharing a home, and stops cleanly (its lock released) when the server does."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.integration.api.live import running_app
from tests.integration.test_alerts_delivery import Receiver

from colloquy.config import load_settings
from colloquy.monitoring.alerts.lease import FileLease
from colloquy.services.api.settings import ApiSettings
from colloquy.storage import Store
from colloquy.storage.alerts import AlertRepository

RULES = """\
retries: 0
channels:
  hook: {{type: webhook, url: "{url}", timeout: 2s}}
rules:
  intent-mix:
    metric: drift.intents.share
    threshold: 0.5
    window: 1d
    channels: [hook]
"""


@pytest.fixture
def webhook() -> Iterator[Receiver]:
    server = Receiver(200)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def monitored(tmp_path: Path, webhook: Receiver, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Rules and one breaching metric point, named by the COLLOQUY_API_MONITOR_* variables."""
    rules = tmp_path / "alerts.yaml"
    rules.write_text(RULES.format(url=webhook.url), encoding="utf-8")
    metrics = tmp_path / "metrics.jsonl"
    point = {"metric": "drift.intents.share", "at": datetime.now(UTC).isoformat(), "value": 0.8}
    metrics.write_text(json.dumps(point) + "\n", encoding="utf-8")
    monkeypatch.setenv("COLLOQUY_API_MONITOR_RULES", str(rules))
    monkeypatch.setenv("COLLOQUY_API_MONITOR_METRICS", str(metrics))
    monkeypatch.setenv("COLLOQUY_API_MONITOR_INTERVAL_SECONDS", "0.2")
    return metrics


def _settings(tmp_path: Path) -> ApiSettings:
    return ApiSettings.model_validate(
        {"store_url": f"sqlite:///{tmp_path / 'api.db'}", "data_dir": tmp_path / "uploads"}
    ).with_core(load_settings())


def _status(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/v1/monitoring/status")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _wait(client: httpx.Client, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        body = _status(client)
        if done(body):
            return body
        time.sleep(0.05)
    raise AssertionError(f"the schedule did not get there: {body}")


def test_rules_are_evaluated_in_the_background(
    tmp_path: Path, monitored: Path, webhook: Receiver
) -> None:
    settings = _settings(tmp_path)
    with running_app(settings) as server, server.client() as client:
        body = _wait(client, lambda b: b["passes"] >= 3)
        assert body["enabled"] is True
        assert body["role"] == "leader"
        assert body["rules"] == ["intent-mix"]
        assert body["interval_seconds"] == 0.2
        assert body["last_run"]["ok"] is True
        assert body["last_run"]["rules"][0]["status"] == "suppressed"
        assert len(webhook.received) == 1  # fired once, then suppressed
        metrics = client.get("/metrics").text
        assert 'colloquy_alert_evaluations_total{rule="intent-mix",status="fired"} 1.0' in metrics
        assert "colloquy_monitor_last_pass_success 1.0" in metrics
        assert "colloquy_monitor_leader 1.0" in metrics

        monitored.unlink()  # the metrics file goes away: passes fail, the schedule goes on
        body = _wait(client, lambda b: b["failures"] >= 1)
        assert body["last_run"]["ok"] is False
        assert "does not exist" in body["last_run"]["error"]
        assert client.get("/health").status_code == 200
        metrics = client.get("/metrics").text
        assert "colloquy_monitor_last_pass_success 0.0" in metrics

        monitored.write_text("", encoding="utf-8")  # readable again, but no points: no data
        body = _wait(client, lambda b: b["last_run"]["ok"])
        assert body["last_run"]["rules"][0]["status"] == "no_data"
    lease = FileLease(load_settings().resolved_home / "monitoring" / "scheduler.lock")
    assert lease.acquire()  # the stopped server let go of the schedule
    lease.release()
    with Store.open(settings.resolved_store_url()) as store:
        alerts = AlertRepository(store).history()
    assert [a.rule for a in alerts] == ["intent-mix"]


def test_two_apps_on_one_home_evaluate_once(
    tmp_path: Path, monitored: Path, webhook: Receiver
) -> None:
    settings = _settings(tmp_path)
    with (
        running_app(settings) as first,
        running_app(settings) as second,
        first.client() as one,
        second.client() as two,
    ):
        roles = sorted([_status(one)["role"], _status(two)["role"]])
        assert roles == ["leader", "standby"]
        leader = one if _status(one)["role"] == "leader" else two
        _wait(leader, lambda b: b["passes"] >= 3)
        standby = two if leader is one else one
        assert _status(standby)["passes"] == 0
    assert len(webhook.received) == 1


def test_without_rules_the_schedule_is_off(tmp_path: Path) -> None:
    with running_app(_settings(tmp_path)) as server, server.client() as client:
        body = _status(client)
    assert body["enabled"] is False
    assert body["role"] == "disabled"
    assert "COLLOQUY_API_MONITOR_RULES" in body["detail"]


def test_a_bad_rules_file_stops_the_start(
    tmp_path: Path, monitored: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("rules:\n  r: {metric: m}\n", encoding="utf-8")
    monkeypatch.setenv("COLLOQUY_API_MONITOR_RULES", str(broken))
    with pytest.raises(RuntimeError, match="failed to start"), running_app(_settings(tmp_path)):
        pass
