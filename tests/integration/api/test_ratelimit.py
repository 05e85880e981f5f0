"""Per-key token buckets: in-process and in the real Redis, over a live server and direct."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from redis.asyncio import Redis
from tests.integration.api.live import LiveServer

from colloquy.services.api.ratelimit import RateDecision
from colloquy.services.api.ratelimit_memory import InProcessRateLimiter
from colloquy.services.api.ratelimit_redis import RedisRateLimiter
from colloquy.services.api.settings import ApiSettings

SettingsFactory = Callable[..., ApiSettings]
ServerFactory = Callable[..., LiveServer]
KeyFactory = Callable[..., str]


class FakeClock:
    """A clock the test moves, so refills need no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_in_process_bucket_refills_at_its_rate() -> None:
    clock = FakeClock()
    limiter = InProcessRateLimiter(rate=2.0, burst=3, clock=clock)

    async def take(n: int) -> list[RateDecision]:
        return [await limiter.acquire("k") for _ in range(n)]

    first = asyncio.run(take(4))
    assert [d.allowed for d in first] == [True, True, True, False]
    assert first[-1].retry_after == pytest.approx(0.5)
    assert first[-1].retry_after_header == "1"
    clock.now += 1.0
    assert [d.allowed for d in asyncio.run(take(3))] == [True, True, False]
    assert asyncio.run(limiter.acquire("other")).allowed


def test_redis_bucket_is_atomic_under_concurrency(redis_url: str, redis_prefix: str) -> None:
    async def scenario() -> list[RateDecision]:
        limiter = RedisRateLimiter(Redis.from_url(redis_url), 0.01, 10, redis_prefix)
        try:
            return await asyncio.gather(*(limiter.acquire("shared") for _ in range(60)))
        finally:
            await limiter.close()

    decisions = asyncio.run(scenario())
    assert sum(d.allowed for d in decisions) == 10
    refused = [d for d in decisions if not d.allowed]
    assert all(d.retry_after > 0 for d in refused)
    assert all(int(d.retry_after_header) >= 1 for d in refused)


def _exhaust(server: LiveServer, key: str, attempts: int) -> list[int]:
    with server.client(key) as client:
        return [client.get("/v1/whoami").status_code for _ in range(attempts)]


def test_live_server_answers_429_with_retry_after(
    api_settings: SettingsFactory, live_server: ServerFactory, make_key: KeyFactory
) -> None:
    settings = api_settings(rate_limit_per_second=0.05, rate_limit_burst=3)
    key = make_key(settings, "read", name="limited")
    other = make_key(settings, "read", name="unlimited-yet")
    server = live_server(settings)
    assert _exhaust(server, key, 4) == [200, 200, 200, 429]
    with server.client(key) as client:
        refused = client.get("/v1/whoami")
        metrics = client.get("/metrics").text
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["content-type"] == "application/problem+json"
    assert "limited" in refused.json()["detail"]
    assert 'rate_limit_rejections_total{scope="read"} 2.0' in metrics
    assert _exhaust(server, other, 1) == [200]


def test_two_instances_share_limits_through_redis(
    api_settings: SettingsFactory,
    live_server: ServerFactory,
    make_key: KeyFactory,
    redis_url: str,
    redis_prefix: str,
) -> None:
    settings = api_settings(
        rate_limit_per_second=0.05,
        rate_limit_burst=4,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
    )
    key = make_key(settings, "read")
    first, second = live_server(settings), live_server(settings)
    assert _exhaust(first, key, 2) == [200, 200]
    assert _exhaust(second, key, 2) == [200, 200]
    assert _exhaust(first, key, 1) == [429]
    assert _exhaust(second, key, 1) == [429]


def test_a_redis_outage_lets_requests_through(
    api_settings: SettingsFactory, live_server: ServerFactory
) -> None:
    settings = api_settings(redis_url="redis://127.0.0.1:1/0", rate_limit_burst=1)
    server = live_server(settings)
    with server.client() as client:
        assert [client.get("/v1/whoami").status_code for _ in range(3)] == [200, 200, 200]
