"""Fixtures for API tests: settings on a fresh store, live uvicorn servers, API keys.

Reuse them from any test under ``tests/integration/api`` (other API test folders can
``from tests.integration.api.live import running_app, ServerProcess``):

- ``api_settings(**overrides) -> ApiSettings`` — a SQLite store and upload folder under
  the test's ``tmp_path``, the project settings of the test's isolated home;
  ``store_url=...`` selects another store.
- ``live_server(settings | None) -> LiveServer`` — a real uvicorn server in a thread
  (``.base_url``, ``.app``, ``.client(key)``), stopped after the test.
- ``api_server`` / ``api_client`` — one default server (no keys: anonymous admin on
  loopback) and an httpx client for it.
- ``make_key(settings, scope, **kw) -> str`` — a plain API key stored in the
  settings' store.
- ``redis_url`` — the real Redis (``COLLOQUY_TEST_REDIS_URL`` or the local default);
  skipped only when unset and unreachable. ``redis_prefix`` — a unique key prefix for
  ``api_settings(redis_url=redis_url, redis_prefix=redis_prefix)``, cleaned up after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from tests.integration.api.live import LiveServer, running_app

from colloquy.config import load_settings
from colloquy.services.api.settings import ApiSettings
from colloquy.storage import Store
from colloquy.storage.api_keys import create_api_key

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

SettingsFactory = Callable[..., ApiSettings]
ServerFactory = Callable[..., LiveServer]
KeyFactory = Callable[..., str]


@pytest.fixture
def api_settings(tmp_path: Path) -> SettingsFactory:
    def make(**overrides: object) -> ApiSettings:
        values: dict[str, object] = {
            "store_url": f"sqlite:///{tmp_path / 'api-store.db'}",
            "data_dir": tmp_path / "uploads",
            "key_check_seconds": 0,
        }
        values.update(overrides)
        return ApiSettings.model_validate(values).with_core(load_settings())

    return make


@pytest.fixture
def live_server(api_settings: SettingsFactory) -> Iterator[ServerFactory]:
    with ExitStack() as stack:

        def start(settings: ApiSettings | None = None) -> LiveServer:
            return stack.enter_context(running_app(settings or api_settings()))

        yield start


@pytest.fixture
def api_server(live_server: ServerFactory) -> LiveServer:
    return live_server()


@pytest.fixture
def api_client(api_server: LiveServer) -> Iterator[httpx.Client]:
    with api_server.client() as client:
        yield client


@pytest.fixture
def make_key() -> KeyFactory:
    def make(
        settings: ApiSettings,
        scope: str = "admin",
        *,
        name: str = "test",
        expires_at: datetime | None = None,
    ) -> str:
        with Store.open(settings.resolved_store_url()) as store:
            return create_api_key(store, name=name, scope=scope, expires_at=expires_at).key

    return make


@pytest.fixture
def redis_url() -> str:
    """The real Redis; tests pass a unique ``redis_prefix`` (see ``redis_prefix``)."""
    import redis

    configured = os.environ.get("COLLOQUY_TEST_REDIS_URL")
    url = configured or DEFAULT_REDIS_URL
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        if configured or os.environ.get("CI"):
            pytest.fail(f"Redis at {url} is unreachable: {exc}")
        pytest.skip(f"COLLOQUY_TEST_REDIS_URL is unset and {url} is unreachable")
    finally:
        client.close()
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix no other test uses; its keys are deleted afterwards."""
    import redis

    prefix = f"colloquy-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
    finally:
        client.close()
