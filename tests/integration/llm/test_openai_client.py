"""The OpenAI-compatible adapter over real HTTP, against the FAKE OpenAI-compatible server.

A hosted LLM cannot run here, so ``tests/fakes/openai_server.py`` scripts the model's
answers; httpx, the sockets, server-sent events and the retry loop are the real thing.
"""

from __future__ import annotations

import json
import threading

import pytest
from pydantic import BaseModel
from tests.fakes.openai_server import (
    HttpError,
    RawResponse,
    RecordedRequest,
    ToolCalls,
    fake_openai_server,
    unused_port,
)

from colloquy.errors import LLMError
from colloquy.llm import (
    CallOptions,
    ChatMessage,
    OpenAICompatibleClient,
    PromptRef,
    RetryPolicy,
    StructuredOutputError,
    ToolSpec,
)
from colloquy.llm.openai_http import StructuredMode

HELLO = (ChatMessage.system("Be brief."), ChatMessage.user("Say hello to the customer"))


class Intent(BaseModel):
    label: str
    confidence: float


class Weather(BaseModel):
    city: str


class Sleeps:
    """Records the waits the client asks for, and waits them for real (they are short)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        threading.Event().wait(seconds)


def _client(
    base_url: str,
    *,
    retry: RetryPolicy | None = None,
    timeout_s: float = 30.0,
    sleep: Sleeps | None = None,
    structured_mode: StructuredMode = "json_schema",
) -> OpenAICompatibleClient:
    return OpenAICompatibleClient(
        base_url,
        "fake-model",
        api_key="sk-test",
        retry=retry or RetryPolicy(max_retries=2, base_delay_s=0.01),
        timeout_s=timeout_s,
        sleep=sleep or Sleeps(),
        structured_mode=structured_mode,
    )


def test_chat_returns_text_usage_and_records_the_prompt() -> None:
    prompt = PromptRef("greet", "3", "abc123")
    with fake_openai_server("Hello there, how can I help?") as server:
        client = _client(server.base_url)
        result = client.chat(HELLO, options=CallOptions(max_tokens=20, seed=7), prompt=prompt)
        client.chat(HELLO)
        request = server.completions[0]
    assert result.text == "Hello there, how can I help?"
    assert result.finish_reason == "stop"
    assert (result.backend, result.model, result.prompt) == ("openai", "fake-model", prompt)
    assert result.usage.completion_tokens == 6
    assert result.usage.prompt_tokens == 7
    assert client.usage_total.calls == 2
    assert client.usage_total.completion_tokens == 12
    assert request.bearer == "sk-test"
    assert request.body["max_tokens"] == 20
    assert request.body["seed"] == 7
    assert request.messages[0] == {"role": "system", "content": "Be brief."}


def test_streaming_yields_deltas_then_usage() -> None:
    with fake_openai_server("one two three four") as server:
        chunks = list(_client(server.base_url).stream(HELLO))
        (request,) = server.completions
    assert "".join(c.delta for c in chunks) == "one two three four"
    assert len([c for c in chunks if c.delta]) == 4
    last = chunks[-1]
    assert last.finish_reason == "stop"
    assert last.usage is not None
    assert last.usage.completion_tokens == 4
    assert last.usage.time_to_first_token_s is not None
    assert request.body["stream"] is True


def test_tool_calls_come_back_and_their_results_go_out() -> None:
    tool = ToolSpec.from_model("get_weather", "Weather in a city", Weather)

    def reply(request: RecordedRequest) -> str | ToolCalls:
        if request.messages[-1]["role"] == "tool":
            return "It is sunny in Paris."
        return ToolCalls((("get_weather", '{"city": "Paris"}'),))

    with fake_openai_server(reply) as server:
        client = _client(server.base_url)
        first = client.chat(HELLO, tools=[tool])
        (call,) = first.tool_calls
        follow_up = [*HELLO, first.message, ChatMessage("tool", "sunny", tool_call_id=call.id)]
        second = client.chat(follow_up, tools=[tool], tool_choice="required")
        sent_tools = server.completions[0].body["tools"]
        choices = [r.body["tool_choice"] for r in server.completions]
        sent_back = server.completions[1].messages
    assert first.finish_reason == "tool_calls"
    assert (call.name, call.parsed_arguments()) == ("get_weather", {"city": "Paris"})
    assert sent_tools[0]["function"]["parameters"]["properties"]["city"]["type"] == "string"
    assert sent_back[2]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert sent_back[3] == {"role": "tool", "content": "sunny", "tool_call_id": call.id}
    assert second.text == "It is sunny in Paris."
    assert choices == ["auto", "required"]


def test_malformed_json_is_repaired_within_the_budget() -> None:
    answers = ["Sure! {label: refund", '```json\n{"label": "refund", "confidence": 0.8}\n```']
    with fake_openai_server(lambda _r: answers.pop(0)) as server:
        result = _client(server.base_url).structured(HELLO, Intent, max_repairs=1)
        first, second = server.completions
    assert result.value == Intent(label="refund", confidence=0.8)
    assert len(result.attempts) == 2
    assert result.usage.retries == 1
    assert first.body["response_format"]["type"] == "json_schema"
    assert "confidence" in json.dumps(first.body["response_format"]["json_schema"]["schema"])
    assert "not valid JSON" in second.messages[-1]["content"]
    assert second.messages[-2] == {"role": "assistant", "content": "Sure! {label: refund"}


def test_structured_output_gives_up_with_the_reason() -> None:
    with fake_openai_server('{"label": "refund"}') as server:
        with pytest.raises(StructuredOutputError) as info:
            _client(server.base_url).structured(HELLO, Intent, max_repairs=2)
        assert len(server.completions) == 3
    assert "confidence: Field required" in info.value.problems
    assert info.value.exit_code == 69


def test_json_object_mode_for_servers_without_schemas() -> None:
    with fake_openai_server('{"label": "x", "confidence": 1}') as server:
        _client(server.base_url, structured_mode="json_object").structured(HELLO, Intent)
        (request,) = server.completions
    assert request.body["response_format"] == {"type": "json_object"}


def test_429_waits_as_long_as_retry_after_says() -> None:
    answers: list[str | HttpError] = [
        HttpError(429, "slow down", headers=(("Retry-After", "0.2"),)),
        "ok",
    ]
    sleeps = Sleeps()
    with fake_openai_server(lambda _r: answers.pop(0)) as server:
        result = _client(server.base_url, sleep=sleeps).chat(HELLO)
        assert len(server.completions) == 2
    assert sleeps.waits == [0.2]
    assert result.text == "ok"
    assert result.usage.retries == 1


def test_500s_are_retried_with_backoff_then_reported() -> None:
    sleeps = Sleeps()
    with fake_openai_server(lambda _r: HttpError(500, "model crashed")) as server:
        with pytest.raises(LLMError) as info:
            _client(server.base_url, sleep=sleeps).chat(HELLO)
        assert len(server.completions) == 3
    assert len(sleeps.waits) == 2
    assert sleeps.waits[1] > sleeps.waits[0]
    assert "HTTP 500 for model 'fake-model' after 2 retries: model crashed" in str(info.value)


def test_a_rejected_key_is_not_retried() -> None:
    with fake_openai_server(lambda _r: HttpError(401, "invalid api key")) as server:
        with pytest.raises(LLMError, match="HTTP 401") as info:
            _client(server.base_url).chat(HELLO)
        assert len(server.completions) == 1
    assert info.value.hint == "check COLLOQUY_LLM__API_KEY"


def test_a_slow_endpoint_times_out_after_its_retries() -> None:
    release = threading.Event()

    def slow(_request: RecordedRequest) -> str:
        release.wait(5)
        return "late"

    with fake_openai_server(slow) as server:
        client = _client(server.base_url, timeout_s=0.2, retry=RetryPolicy(1, base_delay_s=0))
        try:
            with pytest.raises(LLMError, match=r"did not answer within 0\.2 s"):
                client.chat(HELLO)
        finally:
            release.set()
        assert len(server.completions) == 2


@pytest.mark.parametrize(
    "response",
    [
        RawResponse(b"<html><body>Welcome to nginx</body></html>", content_type="text/html"),
        RawResponse(b'{"id": "x", "choices": []}'),
    ],
    ids=["web-page", "no-choices"],
)
def test_a_server_that_is_not_a_chat_api(response: RawResponse) -> None:
    with (
        fake_openai_server(lambda _request: response) as server,
        pytest.raises(LLMError, match="did not answer with an OpenAI chat completion") as info,
    ):
        _client(server.base_url).chat(HELLO)
    assert "/v1" in (info.value.hint or "")


def test_an_unreachable_endpoint() -> None:
    client = _client(f"http://127.0.0.1:{unused_port()}/v1", retry=RetryPolicy(0))
    with pytest.raises(LLMError, match="cannot reach LLM endpoint") as info:
        client.chat(HELLO)
    assert "refused" in str(info.value).lower()
