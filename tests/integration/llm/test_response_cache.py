"""The response cache in a real SQLite file, in front of the FAKE OpenAI-compatible server."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import structlog
from pydantic import BaseModel
from tests.fakes.openai_server import RecordedRequest, ToolCalls, fake_openai_server

from colloquy.llm import (
    CallOptions,
    ChatMessage,
    OpenAICompatibleClient,
    PromptRef,
    RetryPolicy,
    SQLiteResponseCache,
    ToolSpec,
)
from colloquy.llm.metrics import LLMMetrics, TokenPrice

ASK = [ChatMessage.user("Which intent is 'my card is lost'?")]
V1 = PromptRef("intent", "1", "aaa")


class Answer(BaseModel):
    label: str


def _client(base_url: str, cache: SQLiteResponseCache) -> OpenAICompatibleClient:
    return OpenAICompatibleClient(base_url, "fake-model", retry=RetryPolicy(0), cache=cache)


def test_a_repeated_call_is_served_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "llm-cache.db"
    counter = iter(range(100))

    def reply(_request: RecordedRequest) -> str:
        return json.dumps({"label": f"card_lost_{next(counter)}"})

    with fake_openai_server(reply) as server:
        client = _client(server.base_url, SQLiteResponseCache(path))
        first = client.chat(ASK, prompt=V1)
        again = client.chat(ASK, prompt=V1)
        reopened = _client(server.base_url, SQLiteResponseCache(path)).chat(ASK, prompt=V1)
        assert len(server.completions) == 1
        client.chat(ASK, prompt=PromptRef("intent", "2", "bbb"))
        client.chat(ASK, prompt=PromptRef("intent", "1", "edited"))
        client.chat(ASK, prompt=V1, options=CallOptions(temperature=0.7))
        client.chat([ChatMessage.user("something else")], prompt=V1)
        assert len(server.completions) == 5
        value = client.structured(ASK, Answer).value
        assert client.structured(ASK, Answer).value == value
        assert len(server.completions) == 6
    assert again.text == first.text == reopened.text
    assert (first.cached, again.cached, reopened.cached) == (False, True, True)
    assert again.prompt == V1
    assert again.usage.total_tokens == 0
    assert first.usage.total_tokens > 0
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT prompt, prompt_version FROM llm_responses").fetchall()
    assert ("intent", "1") in rows
    assert ("intent", "2") in rows


def test_tool_calls_survive_the_round_trip(tmp_path: Path) -> None:
    tool = ToolSpec.from_model("lookup", "Look an answer up", Answer)
    with fake_openai_server(lambda _r: ToolCalls((("lookup", '{"label": "x"}'),))) as server:
        client = _client(server.base_url, SQLiteResponseCache(tmp_path / "c.db"))
        first = client.chat(ASK, tools=[tool])
        second = client.chat(ASK, tools=[tool])
        assert len(server.completions) == 1
    assert second.tool_calls == first.tool_calls
    assert second.finish_reason == "tool_calls"


def test_metrics_count_calls_tokens_cost_and_cache_hits(tmp_path: Path) -> None:
    with fake_openai_server("four words of answer") as server:
        client = _client(server.base_url, SQLiteResponseCache(tmp_path / "c.db"))
        client.metrics = LLMMetrics()
        client.price = TokenPrice(prompt_per_million=1.0, completion_per_million=2.0)
        with structlog.testing.capture_logs() as logs:
            client.chat(ASK, prompt=V1)
            client.chat(ASK, prompt=V1)
    registry = client.metrics.registry
    labels = {"backend": "openai", "model": "fake-model", "prompt": "intent@1"}

    def value(name: str, **extra: str) -> float | None:
        return registry.get_sample_value(name, {**labels, **extra})

    assert value("llm_calls_total", cached="false") == 1
    assert value("llm_calls_total", cached="true") == 1
    assert value("llm_tokens_total", kind="completion") == 4
    assert value("llm_tokens_total", kind="prompt") == 7  # the fake counts words
    assert value("llm_cost_usd_total") == (7 * 1.0 + 4 * 2.0) / 1_000_000
    assert value("llm_call_seconds_count") == 1
    costs = [line["cost_usd"] for line in logs if line["event"] == "llm_call"]
    assert costs == [(7 * 1.0 + 4 * 2.0) / 1_000_000, 0.0]
