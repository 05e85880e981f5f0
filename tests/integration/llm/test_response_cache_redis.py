"""The response cache in a real Redis, in front of the FAKE OpenAI-compatible server."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator

import pytest
import redis
import structlog
from pydantic import BaseModel
from redis.backoff import NoBackoff
from redis.retry import Retry
from tests.fakes.openai_server import RecordedRequest, ToolCalls, fake_openai_server

from colloquy.errors import DatabaseUnavailableError
from colloquy.llm import ChatMessage, OpenAICompatibleClient, PromptRef, RetryPolicy, ToolSpec
from colloquy.llm.cache_redis import RedisResponseCache

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
ASK = [ChatMessage.user("Which intent is 'my card is lost'?")]
V1 = PromptRef("intent", "1", "aaa")


class Answer(BaseModel):
    label: str


@pytest.fixture
def redis_url() -> str:
    configured = os.environ.get("COLLOQUY_TEST_REDIS_URL")
    url = configured or DEFAULT_REDIS_URL
    probe = redis.Redis.from_url(url)
    try:
        probe.ping()
    except redis.RedisError as exc:
        if configured or os.environ.get("CI"):
            pytest.fail(f"Redis at {url} is unreachable: {exc}")
        pytest.skip(f"COLLOQUY_TEST_REDIS_URL is unset and {url} is unreachable")
    finally:
        probe.close()
    return url


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    value = f"colloquy-test:{uuid.uuid4().hex}:"
    yield value
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=value + "*"))
    if keys:
        client.delete(*keys)
    client.close()


def _client(base_url: str, cache: RedisResponseCache) -> OpenAICompatibleClient:
    return OpenAICompatibleClient(base_url, "fake-model", retry=RetryPolicy(0), cache=cache)


def test_answers_are_shared_through_redis_and_expire(redis_url: str, prefix: str) -> None:
    counter = iter(range(100))

    def reply(_request: RecordedRequest) -> str:
        return json.dumps({"label": f"card_lost_{next(counter)}"})

    with fake_openai_server(reply) as server:
        cache = RedisResponseCache.from_url(redis_url, prefix=prefix, ttl_s=600)
        first = _client(server.base_url, cache).chat(ASK, prompt=V1)
        other_worker = RedisResponseCache.from_url(redis_url, prefix=prefix)
        again = _client(server.base_url, other_worker).chat(ASK, prompt=V1)
        _client(server.base_url, cache).chat(ASK, prompt=PromptRef("intent", "2", "bbb"))
        structured = _client(server.base_url, cache).structured(ASK, Answer).value
        assert _client(server.base_url, other_worker).structured(ASK, Answer).value == structured
        assert len(server.completions) == 3
    assert (again.text, again.cached, first.cached) == (first.text, True, False)
    assert again.usage.total_tokens == 0
    keys = list(cache.client.scan_iter(match=prefix + "*"))
    assert len(keys) == 3
    assert all(0 < cache.client.ttl(key) <= 600 for key in keys)


def test_tool_calls_survive_the_round_trip(redis_url: str, prefix: str) -> None:
    tool = ToolSpec.from_model("lookup", "Look an answer up", Answer)
    with fake_openai_server(lambda _r: ToolCalls((("lookup", '{"label": "x"}'),))) as server:
        client = _client(server.base_url, RedisResponseCache.from_url(redis_url, prefix=prefix))
        first = client.chat(ASK, tools=[tool])
        second = client.chat(ASK, tools=[tool])
        assert len(server.completions) == 1
    assert second.tool_calls == first.tool_calls
    assert second.finish_reason == "tool_calls"


def test_unreachable_redis_fails_at_start_and_a_lost_one_only_costs_hits() -> None:
    with pytest.raises(
        DatabaseUnavailableError, match=r"cannot reach Redis at redis://127\.0\.0\.1:1"
    ):
        RedisResponseCache.from_url("redis://127.0.0.1:1/0")
    gone = redis.Redis(port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    with fake_openai_server("an answer") as server:
        client = _client(server.base_url, RedisResponseCache(gone))
        with structlog.testing.capture_logs() as logs:
            assert client.chat(ASK).text == client.chat(ASK).text == "an answer"
        assert len(server.completions) == 2
    failures = [line["operation"] for line in logs if line["event"] == "llm_cache_unavailable"]
    assert failures == ["get", "put", "get", "put"]
