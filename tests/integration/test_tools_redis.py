"""Tool cache and rate limits on a real Redis: shared by every executor (process) of a desk."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from colloquy.agent.tools import (
    MemoryRateLimiter,
    MemoryToolCache,
    RedisRateLimiter,
    RedisToolCache,
    ToolExecutor,
    cache_from_url,
    limiter_from_url,
)
from colloquy.desk import seed_desk
from colloquy.desk.tools import DeskServices, desk_tools
from colloquy.errors import DatabaseUnavailableError
from colloquy.storage import Store

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    configured = os.environ.get("COLLOQUY_TEST_REDIS_URL")
    url = configured or DEFAULT_REDIS_URL
    made = redis.Redis.from_url(url)
    try:
        made.ping()
    except redis.RedisError as exc:
        made.close()
        if configured or os.environ.get("CI"):
            pytest.fail(f"Redis at {url} is unreachable: {exc}")
        pytest.skip(f"COLLOQUY_TEST_REDIS_URL is unset and {url} is unreachable")
    yield made
    made.close()


@pytest.fixture
def prefix(client: redis.Redis) -> Iterator[str]:
    value = f"colloquy-test:{uuid.uuid4().hex}:"
    yield value
    keys = list(client.scan_iter(match=value + "*"))
    if keys:
        client.delete(*keys)


def test_cache_round_trip_expiry_and_prefix_delete(client: redis.Redis, prefix: str) -> None:
    cache = RedisToolCache(client, prefix=prefix)
    cache.set("search:abc", b"{}", ttl_s=1800)
    cache.set("search:def", b"[]", ttl_s=1800)
    cache.set("status:abc", b"1", ttl_s=60)
    assert cache.get("search:abc") == b"{}"
    assert cache.get("absent") is None
    assert 1_799_000 < client.pttl(prefix + "search:abc") <= 1_800_000
    assert cache.delete_prefix("search:") == 2
    assert cache.get("search:def") is None
    assert cache.get("status:abc") == b"1"


def test_rate_limit_is_atomic_and_slides(client: redis.Redis, prefix: str) -> None:
    clock = Clock()
    limiter = RedisRateLimiter(client, prefix=prefix, clock=clock)
    other = RedisRateLimiter(client, prefix=prefix, clock=clock)
    admitted = [
        (limiter if i % 2 else other).admit("verify:+15550100", calls=3, window_s=3600).allowed
        for i in range(4)
    ]
    assert admitted == [True, True, True, False]
    clock.now += 1800
    refused = limiter.admit("verify:+15550100", calls=3, window_s=3600)
    assert not refused.allowed
    assert refused.retry_after_s == pytest.approx(1800)
    assert limiter.admit("verify:+15550101", calls=3, window_s=3600).allowed
    clock.now += 1801
    assert limiter.admit("verify:+15550100", calls=3, window_s=3600).allowed


def test_two_executors_share_cached_results_and_limits(
    client: redis.Redis, prefix: str, tmp_path: Path
) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'desk.db'}") as store:
        seed_desk(store)
        registry = desk_tools(DeskServices.from_store(store))

        def executor() -> ToolExecutor:
            return ToolExecutor(
                registry,
                cache=RedisToolCache(client, prefix=prefix + "cache:"),
                limiter=RedisRateLimiter(client, prefix=prefix + "limits:"),
            )

        with executor() as first, executor() as second:
            query = {"query": "does my policy cover a cracked windscreen"}
            assert not first.call("search_knowledge_base", query).cached
            hit = second.call("search_knowledge_base", query)
            assert hit.cached
            assert hit.result is not None
            assert hit.result.model_dump()["articles"][0]["slug"] == "auto-windscreen"
            wrong = {"phone": "555 0104", "date_of_birth": "1988-05-18"}
            for made in (first, second, first):
                assert made.call("verify_customer_identity", wrong).ok
            assert second.call("verify_customer_identity", wrong).status.value == "rate_limited"


def test_unreachable_redis_is_one_clear_error() -> None:
    with pytest.raises(
        DatabaseUnavailableError, match=r"cannot reach Redis at redis://127\.0\.0\.1:1"
    ):
        cache_from_url("redis://127.0.0.1:1/0")
    with pytest.raises(DatabaseUnavailableError, match="leave the Redis URL unset"):
        limiter_from_url("redis://127.0.0.1:1/0")
    assert isinstance(cache_from_url(None), MemoryToolCache)
    assert isinstance(limiter_from_url(None), MemoryRateLimiter)


def test_redis_going_away_costs_cache_hits_but_not_limits(tmp_path: Path) -> None:
    gone = redis.Redis(port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    with Store.open(f"sqlite:///{tmp_path / 'desk.db'}") as store:
        seed_desk(store)
        registry = desk_tools(DeskServices.from_store(store))
        with ToolExecutor(
            registry, cache=RedisToolCache(gone), limiter=RedisRateLimiter(gone)
        ) as executor:
            query = {"query": "roadside assistance and towing"}
            for _ in range(2):
                answered = executor.call("search_knowledge_base", query)
                assert answered.ok
                assert not answered.cached
            wrong = {"phone": "555 0104", "date_of_birth": "1988-05-18"}
            refused = executor.call("verify_customer_identity", wrong)
            assert refused.status.value == "error"
            assert refused.error == (
                "verify_customer_identity is unavailable: its rate limit cannot be checked"
            )
