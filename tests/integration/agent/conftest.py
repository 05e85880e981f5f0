"""A seeded claims desk on real stores, and the shared MiniLM embedder."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from colloquy.desk import seed_desk
from colloquy.storage import Store

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'desk.db'}") as store:
        seed_desk(store)
        yield store


@pytest.fixture
def pg_desk(postgres_url: str) -> Iterator[Store]:
    with Store.connect(postgres_url) as fresh:
        fresh.upgrade()
    with Store.open(postgres_url) as store:
        seed_desk(store)
        yield store


@pytest.fixture
def redis_namespace() -> Iterator[tuple[str, str]]:
    """(url, prefix): a real Redis and a key namespace of this test, deleted afterwards."""
    url = os.environ.get("COLLOQUY_TEST_REDIS_URL") or DEFAULT_REDIS_URL
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {url} is unreachable: {exc}")
        pytest.skip(f"Redis at {url} is unreachable")
    prefix = f"colloquy-test:{uuid.uuid4().hex[:8]}:"
    try:
        yield url, prefix
    finally:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
        client.close()
