"""``llm.cache`` builds the response cache: off, a SQLite file under home, or a real Redis.

The endpoint is the FAKE OpenAI-compatible server (no hosted LLM runs here).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
import redis
from tests.fakes.openai_server import RecordedRequest, fake_openai_server

from colloquy.config import Settings
from colloquy.errors import ConfigError
from colloquy.llm import ChatMessage, PromptRef
from colloquy.llm.cache import SQLiteResponseCache
from colloquy.llm.cache_redis import RedisResponseCache
from colloquy.llm.factory import LLMConfig, build_cache, client_from_settings

ASK = [ChatMessage.user("Which intent is 'my card is lost'?")]
V1 = PromptRef("intent", "1", "aaa")


def _reply(_request: RecordedRequest) -> str:
    return json.dumps({"label": "card_lost"})


def test_the_cache_is_off_unless_configured(tmp_path: Path) -> None:
    with fake_openai_server(_reply) as server:
        client = client_from_settings(Settings(home=tmp_path, llm={"base_url": server.base_url}))
        assert client.cache is None
        client.chat(ASK, prompt=V1)
        client.chat(ASK, prompt=V1)
        assert len(server.completions) == 2


def test_sqlite_cache_defaults_to_a_file_under_home(tmp_path: Path) -> None:
    with fake_openai_server(_reply) as server:
        settings = Settings(home=tmp_path, llm={"base_url": server.base_url, "cache": "sqlite"})
        first = client_from_settings(settings)
        assert isinstance(first.cache, SQLiteResponseCache)
        assert first.cache.path == settings.resolved_home / "llm" / "responses.db"
        assert not first.chat(ASK, prompt=V1).cached
        assert client_from_settings(settings).chat(ASK, prompt=V1).cached
        assert len(server.completions) == 1


def test_sqlite_cache_at_a_configured_path(tmp_path: Path) -> None:
    where = tmp_path / "shared" / "answers.db"
    cache = build_cache(
        LLMConfig(backend="openai", model="m", cache="sqlite", cache_url=str(where))
    )
    assert isinstance(cache, SQLiteResponseCache)
    assert cache.path == where
    assert where.exists()


def test_redis_cache_needs_a_url() -> None:
    with pytest.raises(ConfigError, match="cache_url"):
        build_cache(LLMConfig(backend="openai", model="m", cache="redis"))


def test_redis_cache_is_shared_by_two_clients() -> None:
    url = os.environ.get("COLLOQUY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    probe = redis.Redis.from_url(url)
    try:
        probe.ping()
    except redis.RedisError as exc:
        if os.environ.get("COLLOQUY_TEST_REDIS_URL") or os.environ.get("CI"):
            pytest.fail(f"Redis at {url} is unreachable: {exc}")
        pytest.skip(f"Redis at {url} is unreachable")
    question = [ChatMessage.user(f"a question never asked before {uuid.uuid4().hex}")]
    llm = {"cache": "redis", "cache_url": url, "cache_ttl_seconds": 60}
    before = set(probe.scan_iter(match="colloquy:llm:*"))
    try:
        with fake_openai_server(_reply) as server:
            one = client_from_settings(Settings(llm={**llm, "base_url": server.base_url}))
            two = client_from_settings(Settings(llm={**llm, "base_url": server.base_url}))
            assert isinstance(one.cache, RedisResponseCache)
            assert one.cache.ttl_s == 60
            one.chat(question, prompt=V1)
            assert two.chat(question, prompt=V1).cached
            assert len(server.completions) == 1
    finally:
        added = set(probe.scan_iter(match="colloquy:llm:*")) - before
        if added:
            probe.delete(*added)
        probe.close()
