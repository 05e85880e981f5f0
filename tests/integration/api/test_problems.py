"""Every error is an RFC 9457 problem document with the request's id; never a traceback."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel
from tests.integration.api.live import LiveServer, running_app

from colloquy.errors import DataError, NotFoundError
from colloquy.services.api.app import create_app
from colloquy.services.api.problems import PROBLEM_MEDIA_TYPE, ProblemError
from colloquy.services.api.readiness import ReadinessStatus, register_readiness
from colloquy.services.api.settings import ApiSettings

SettingsFactory = Callable[..., ApiSettings]


class Echo(BaseModel):
    text: str
    count: int


def _failing_routes() -> APIRouter:
    router = APIRouter(prefix="/test-errors")

    async def not_found() -> None:
        raise NotFoundError("no dataset named 'nope'", hint="list them with GET /v1/datasets")

    async def bad_data() -> None:
        raise DataError("row 3 has no text")

    async def crash() -> None:
        raise RuntimeError("secret internal state /srv/app.py line 42")

    async def teapot() -> None:
        raise ProblemError(418, detail="short and stout", extra={"spout": 1})

    async def echo(body: Echo) -> Echo:
        return body

    router.add_api_route("/not-found", not_found, methods=["GET"])
    router.add_api_route("/bad-data", bad_data, methods=["GET"])
    router.add_api_route("/crash", crash, methods=["GET"])
    router.add_api_route("/teapot", teapot, methods=["GET"])
    router.add_api_route("/echo", echo, methods=["POST"])
    return router


@pytest.fixture
def server(api_settings: SettingsFactory) -> Iterator[LiveServer]:
    settings = api_settings(max_body_bytes=2048)
    app = create_app(settings)
    app.include_router(_failing_routes())
    with running_app(settings, app) as live:
        yield live


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert body["instance"] == response.request.url.path
    return body


def test_library_errors_map_to_statuses(server: LiveServer) -> None:
    with server.client() as client:
        missing = _problem(client.get("/test-errors/not-found"), 404)
        assert missing["detail"] == ("no dataset named 'nope' — list them with GET /v1/datasets")
        assert missing["type"] == "urn:colloquy:problem:not-found"
        assert _problem(client.get("/test-errors/bad-data"), 422)["detail"] == "row 3 has no text"
        teapot = _problem(client.get("/test-errors/teapot"), 418)
        assert teapot["spout"] == 1
        _problem(client.get("/no/such/route"), 404)
        _problem(client.delete("/health"), 405)


def test_an_unexpected_error_is_a_bare_500_without_internals(server: LiveServer) -> None:
    with server.client() as client:
        response = client.get("/test-errors/crash", headers={"X-Request-ID": "trace-me-1"})
    body = _problem(response, 500)
    assert body["request_id"] == "trace-me-1"
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text


def test_validation_errors_name_the_field(server: LiveServer) -> None:
    with server.client() as client:
        body = _problem(client.post("/test-errors/echo", json={"text": "hi"}), 422)
        assert body["detail"] == "body.count: Field required"
        assert body["errors"] == [
            {"loc": ["body", "count"], "msg": "Field required", "type": "missing"}
        ]
        _problem(client.post("/test-errors/echo", content=b"{not json"), 422)


def test_bodies_over_the_limit_are_413_declared_or_streamed(server: LiveServer) -> None:
    big = {"text": "x" * 4096, "count": 1}
    with server.client() as client:
        body = _problem(client.post("/test-errors/echo", json=big), 413)
        assert body["limit_bytes"] == 2048

        def chunks() -> Iterator[bytes]:
            yield b'{"text": "'
            for _ in range(10):
                yield b"y" * 512
            yield b'", "count": 1}'

        streamed = client.post(
            "/test-errors/echo", content=chunks(), headers={"Content-Type": "application/json"}
        )
        _problem(streamed, 413)
        ok = client.post("/test-errors/echo", json={"text": "small", "count": 2})
        assert ok.json() == {"text": "small", "count": 2}


def test_request_ids_are_echoed_or_made(server: LiveServer) -> None:
    with server.client() as client:
        given = client.get("/health", headers={"X-Request-ID": "abc-123"})
        made = client.get("/health")
        hostile = client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert given.headers["x-request-id"] == "abc-123"
    assert len(made.headers["x-request-id"]) == 16
    assert hostile.headers["x-request-id"] != "bad id\twith spaces"


def test_security_headers_on_api_responses(api_client: httpx.Client) -> None:
    headers = api_client.get("/health").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"
    assert "default-src 'none'" in headers["content-security-policy"]
    docs = api_client.get("/docs")
    assert docs.status_code == 200
    assert "content-security-policy" not in docs.headers


def test_cors_allows_only_the_configured_origins(
    api_settings: SettingsFactory, live_server: Callable[..., LiveServer]
) -> None:
    server = live_server(api_settings(cors_origins=["https://dash.example.com"]))
    preflight = {"Access-Control-Request-Method": "POST"}
    with server.client() as client:
        allowed = client.options(
            "/v1/whoami", headers={"Origin": "https://dash.example.com", **preflight}
        )
        refused = client.options(
            "/v1/whoami", headers={"Origin": "https://evil.example.com", **preflight}
        )
    assert allowed.headers["access-control-allow-origin"] == "https://dash.example.com"
    assert "access-control-allow-origin" not in refused.headers


def test_health_ready_and_metrics(api_settings: SettingsFactory) -> None:
    settings = api_settings()
    app = create_app(settings)
    state = {"ready": False}
    with running_app(settings, app) as server, server.client() as client:
        assert client.get("/health").json()["status"] == "ok"
        ready = client.get("/ready").json()
        assert ready["checks"]["store"]["ready"] is True
        register_readiness(app, "test check", lambda: ReadinessStatus(state["ready"], "warming"))
        waiting = client.get("/ready")
        assert waiting.status_code == 503
        assert waiting.json()["ready"] is False
        assert waiting.json()["checks"]["test check"] == {"ready": False, "detail": "warming"}
        state["ready"] = True
        now = client.get("/ready")
        checks = now.json()["checks"]
        assert checks["test check"]["ready"] is True
        everything_ready = all(check["ready"] for check in checks.values())
        assert now.status_code == (200 if everything_ready else 503)
        client.get("/v1/whoami")
        text = client.get("/metrics").text
    assert 'http_requests_total{method="GET",route="/ready",status="503"}' in text
    assert 'http_request_duration_seconds_bucket{le="0.05",method="GET",route="/v1/whoami"' in text
    for name in (
        "model_inference_seconds",
        "cache_hits_total",
        "cache_misses_total",
        "jobs",
        "rate_limit_rejections_total",
        "colloquy_database_up",
        "colloquy_database_size_bytes",
        "process_resident_memory_bytes",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in text
    assert re.search(r"^colloquy_database_up(\{[^}]*\})? 1\.0$", text, re.MULTILINE)
