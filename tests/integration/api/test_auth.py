"""API keys over real HTTP: 401 vs 403, scopes, expiry, revocation, the exposure check."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import APIRouter, Depends, Request
from tests.integration.api.live import LiveServer, running_app

from colloquy.services.api.app import create_app
from colloquy.services.api.security import Principal, Scope, covers, require_scope
from colloquy.services.api.settings import ApiSettings
from colloquy.storage import Store
from colloquy.storage.api_keys import revoke_api_key

SettingsFactory = Callable[..., ApiSettings]
KeyFactory = Callable[..., str]


async def _echo_principal(request: Request) -> dict[str, str | None]:
    principal: Principal = request.state.principal
    return {"key_id": principal.key_id, "scope": principal.scope.value}


def _scoped_routes() -> APIRouter:
    """One route per scope, so a test can ask for each."""
    router = APIRouter(prefix="/test-scopes")
    for scope in Scope:
        router.add_api_route(
            f"/{scope.value}",
            _echo_principal,
            methods=["GET"],
            dependencies=[Depends(require_scope(scope))],
        )
    return router


@pytest.fixture
def secured(
    api_settings: SettingsFactory, make_key: KeyFactory
) -> tuple[ApiSettings, dict[str, str]]:
    settings = api_settings()
    keys = {
        scope.value: make_key(settings, scope.value, name=f"k-{scope.value}") for scope in Scope
    }
    return settings, keys


@pytest.fixture
def scoped_server(
    secured: tuple[ApiSettings, dict[str, str]],
) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    settings, keys = secured
    app = create_app(settings)
    app.include_router(_scoped_routes())
    with running_app(settings, app) as server:
        yield server, keys


def test_scope_coverage_table() -> None:
    assert covers(Scope.ADMIN, Scope.TRAIN)
    assert covers(Scope.PREDICT, Scope.READ)
    assert covers(Scope.TRAIN, Scope.READ)
    assert not covers(Scope.READ, Scope.PREDICT)
    assert not covers(Scope.PREDICT, Scope.TRAIN)
    assert not covers(Scope.TRAIN, Scope.ADMIN)


def test_without_keys_a_loopback_server_treats_callers_as_anonymous_admin(
    api_client: httpx.Client,
) -> None:
    body = api_client.get("/v1/whoami").json()
    assert body == {"key_id": None, "name": "anonymous", "scope": "admin", "anonymous": True}


def test_each_scope_reaches_exactly_the_routes_it_covers(
    scoped_server: tuple[LiveServer, dict[str, str]],
) -> None:
    server, keys = scoped_server
    for held in Scope:
        with server.client(keys[held.value]) as client:
            for needed in Scope:
                response = client.get(f"/test-scopes/{needed.value}")
                expected = 200 if covers(held, needed) else 403
                assert response.status_code == expected, (held, needed, response.text)
                if expected == 403:
                    problem = response.json()
                    assert response.headers["content-type"] == "application/problem+json"
                    assert problem["status"] == 403
                    assert needed.value in problem["detail"]


def test_missing_malformed_and_unknown_keys_are_401_with_a_bearer_challenge(
    scoped_server: tuple[LiveServer, dict[str, str]],
) -> None:
    server, keys = scoped_server
    forged = keys["admin"][:-4] + "AAAA"
    cases = {
        "missing": {},
        "malformed": {"Authorization": "Bearer not-a-key"},
        "unknown": {"Authorization": f"Bearer {forged}"},
        "wrong scheme": {"Authorization": f"Basic {keys['admin']}"},
    }
    with httpx.Client(base_url=server.base_url) as client:
        for case, headers in cases.items():
            response = client.get("/v1/whoami", headers=headers)
            assert response.status_code == 401, case
            assert response.headers["www-authenticate"].startswith("Bearer")
            problem = response.json()
            assert problem["status"] == 401, case
            assert problem["request_id"], case
            assert keys["admin"] not in response.text


def test_x_api_key_header_works_like_bearer(
    scoped_server: tuple[LiveServer, dict[str, str]],
) -> None:
    server, keys = scoped_server
    with httpx.Client(base_url=server.base_url) as client:
        body = client.get("/v1/whoami", headers={"X-API-Key": keys["read"]}).json()
    assert (body["name"], body["scope"], body["anonymous"]) == ("k-read", "read", False)


def test_revoked_and_expired_keys_are_refused(
    api_settings: SettingsFactory, make_key: KeyFactory
) -> None:
    settings = api_settings()
    key = make_key(settings, "read", name="soon-revoked")
    expiring = make_key(
        settings, "read", name="short", expires_at=datetime.now(UTC) + timedelta(seconds=1)
    )
    with running_app(settings) as server, httpx.Client(base_url=server.base_url) as client:
        auth = {"Authorization": f"Bearer {key}"}
        assert client.get("/v1/whoami", headers=auth).status_code == 200
        with Store.open(settings.resolved_store_url()) as store:
            revoked = revoke_api_key(store, "soon-revoked")
        response = client.get("/v1/whoami", headers=auth)
        assert response.status_code == 401
        assert f"API key {revoked.id} was revoked" in response.json()["detail"]
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while datetime.now(UTC) < deadline:
            response = client.get("/v1/whoami", headers={"X-API-Key": expiring})
            if response.status_code == 401:
                break
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]


def test_once_a_key_exists_anonymous_requests_are_refused(
    api_settings: SettingsFactory, make_key: KeyFactory
) -> None:
    settings = api_settings()
    with running_app(settings) as server, server.client() as client:
        assert client.get("/v1/whoami").status_code == 200
        make_key(settings, "read")
        assert client.get("/v1/whoami").status_code == 401
        assert client.get("/health").status_code == 200


def test_non_loopback_bind_without_keys_is_refused_unless_insecure(
    api_settings: SettingsFactory, make_key: KeyFactory
) -> None:
    exposed = api_settings(host="0.0.0.0")
    with pytest.raises(RuntimeError, match="failed to start"), running_app(exposed):
        pass
    insecure = api_settings(host="0.0.0.0", insecure=True)
    with running_app(insecure) as server, server.client() as client:
        assert client.get("/v1/whoami").json()["anonymous"] is True
    key = make_key(exposed, "read")
    with running_app(exposed) as server, server.client() as client:
        assert client.get("/v1/whoami").status_code == 401
        assert client.get("/v1/whoami", headers={"X-API-Key": key}).status_code == 200
