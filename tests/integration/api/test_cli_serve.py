"""``colloquy api-keys`` and ``colloquy serve`` as a user runs them."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from tests.integration.api.live import ServerProcess, running_app

from colloquy.logging import configure_logging
from colloquy.services.api.settings import ApiSettings
from colloquy.services.cli.main import main

SettingsFactory = Callable[..., ApiSettings]


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_api_keys_create_list_revoke(capsys: pytest.CaptureFixture[str]) -> None:
    created = _json(
        capsys,
        [
            "api-keys",
            "create",
            "--name",
            "crm",
            "--scope",
            "predict",
            "--expires",
            "2099-01-31",
            "--format",
            "json",
        ],
    )
    assert isinstance(created, dict)
    assert created["key"].startswith(f"clq_{created['id']}_")
    assert created["scope"] == "predict"
    assert created["expires_at"] == "2099-01-31T00:00:00+00:00"
    listed = _json(capsys, ["api-keys", "list", "--format", "json"])
    assert isinstance(listed, list)
    assert [entry["id"] for entry in listed] == [created["id"]]
    assert "key" not in listed[0]
    assert created["key"] not in json.dumps(listed)
    revoked = _json(capsys, ["api-keys", "revoke", created["id"], "--format", "json"])
    assert isinstance(revoked, dict)
    assert revoked["revoked_at"] is not None
    assert main(["api-keys", "list"]) == 0
    assert created["id"] in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["api-keys", "create", "--name", "x", "--scope", "root"], 2, "unknown scope 'root'"),
        (
            ["api-keys", "create", "--name", "x", "--scope", "read", "--expires", "soon"],
            2,
            "--expires 'soon' is not a date",
        ),
        (["api-keys", "revoke", "nobody"], 4, "no API key with id or name 'nobody'"),
        (["serve", "--host", "0.0.0.0"], 2, "refusing to serve 0.0.0.0 without API keys"),
    ],
)
def test_mistakes_are_one_line_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: int, message: str
) -> None:
    assert main(argv) == code
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def _access_lines(text: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == "http.request"]


def test_json_logs_carry_the_request_id_of_the_response(
    api_settings: SettingsFactory, make_key: Callable[..., str]
) -> None:
    settings = api_settings()
    key = make_key(settings, "read")
    stream = io.StringIO()
    configure_logging("info", "json", stream=stream)
    try:
        with running_app(settings) as server, server.client() as client:
            missing = client.get("/v1/no-such-thing")
            given = client.get("/health", headers={"X-Request-ID": "from-the-caller"})
            keyed = client.get("/v1/whoami", headers={"X-API-Key": key})
    finally:
        configure_logging()
    logged = {str(line["request_id"]): line for line in _access_lines(stream.getvalue())}
    request_id = missing.json()["request_id"]
    assert logged[request_id]["status"] == 404
    assert logged[request_id]["path"] == "/v1/no-such-thing"
    assert logged["from-the-caller"]["route"] == "/health"
    assert given.headers["x-request-id"] == "from-the-caller"
    assert logged[keyed.headers["x-request-id"]]["api_key_id"] == keyed.json()["key_id"]
    assert logged[request_id]["api_key_id"] is None


@pytest.mark.slow
def test_serve_with_two_workers_logs_json_with_request_ids(tmp_path: Path) -> None:
    server = ServerProcess(
        args=["--workers", "2"],
        env={"COLLOQUY_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"},
        log_path=tmp_path / "serve.log",
    )
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:
            answers = [client.get("/v1/whoami") for _ in range(4)]
            missing = client.get("/v1/datasets-that-do-not-exist")
    finally:
        server.stop()
    assert all(answer.json()["anonymous"] for answer in answers)
    request_id = missing.json()["request_id"]
    logged = {line["request_id"]: line for line in _access_lines(server.log_text())}
    assert logged[request_id]["status"] == 404
    lines = [json.loads(line) for line in server.log_text().splitlines() if line.startswith("{")]
    assert sum(line.get("event") == "api.started" for line in lines) == 2
