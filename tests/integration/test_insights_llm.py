"""The LLM insight analyzer over real HTTP, against the FAKE OpenAI-compatible server.

A hosted LLM cannot run here, so ``tests/fakes/openai_server.py`` scripts the model's
answers; everything between the analyzer and the socket (the prompt file, colloquy's
LLM client, httpx) is the real thing.
"""

from __future__ import annotations

import json
import threading
import time

import openai
import pytest
import structlog
from tests.fakes.openai_server import (
    HttpError,
    RawResponse,
    RecordedRequest,
    fake_openai_server,
    unused_port,
)

from colloquy.analytics import (
    ExtractiveInsightAnalyzer,
    LLMInsightAnalyzer,
    insight_analyzer_from_settings,
)
from colloquy.analytics.insights_llm import NO_KEY, SYSTEM_PROMPT, insights_prompt, parse_reply
from colloquy.config import LLMSettings, Settings, load_settings
from colloquy.errors import LLMError
from colloquy.llm import OpenAICompatibleClient, RetryPolicy
from colloquy.schema import Conversation, Speaker, Turn

CONVERSATION = Conversation(
    id="deal-7",
    source="test",
    turns=(
        Turn(index=0, speaker=Speaker.AGENT, text="The bike is $400."),
        Turn(index=1, speaker=Speaker.CUSTOMER, text="That's too much.\nWould you take $300?"),
        Turn(index=2, speaker=Speaker.AGENT, text="$350 and it's yours."),
        Turn(index=3, speaker=Speaker.CUSTOMER, text="Deal. I'll pick it up tomorrow."),
        Turn(index=4, speaker=Speaker.AGENT, text="", extra={"event": "offer"}),
        Turn(index=5, speaker=Speaker.CUSTOMER, text="", extra={"event": "accept"}),
    ),
)

VALID = {
    "insights": [
        {"kind": "price_mention", "turn_index": 0, "text": "The bike is $400.", "value": 400},
        {"kind": "objection", "turn_index": 1, "text": "That's too much.", "score": 0.9},
        {"kind": "commitment", "turn_index": 3, "text": "Deal.", "score": 0.95, "value": 350},
        {"kind": "next_step", "turn_index": 3, "text": "I'll pick it up tomorrow."},
    ]
}


def _analyzer(base_url: str, **options: object) -> LLMInsightAnalyzer:
    settings: dict[str, object] = {"model": "fake-model", "api_key": "sk-test", "max_retries": 0}
    settings.update(options)
    return LLMInsightAnalyzer(base_url, **settings)  # type: ignore[arg-type]


def test_valid_json_fills_the_schema_and_the_request_carries_model_key_transcript() -> None:
    with fake_openai_server(json.dumps(VALID)) as server:
        result = _analyzer(server.base_url).analyze(CONVERSATION, key_turns=[2])
        (request,) = server.completions
    assert [(i.turn_index, i.kind, i.method) for i in result.insights] == [
        (0, "price_mention", "llm"),
        (1, "objection", "llm"),
        (2, "key_moment", "explainer"),
        (3, "commitment", "llm"),
        (3, "next_step", "llm"),
    ]
    commitment = result.by_kind("commitment")[0]
    assert (commitment.speaker, commitment.score, commitment.value) == ("customer", 0.95, 350.0)
    assert result.by_kind("next_step")[0].score == 1.0
    assert result.dropped == 0
    assert result.conversation_id == "deal-7"

    assert request.body["model"] == "fake-model"
    assert request.body["temperature"] == 0
    assert request.bearer == "sk-test"
    system, user = request.messages
    assert (system["role"], system["content"]) == ("system", SYSTEM_PROMPT)
    assert user["role"] == "user"
    assert user["content"].splitlines() == [
        "Transcript (turn index in brackets):",
        "[0] agent: The bike is $400.",
        "[1] customer: That's too much. Would you take $300?",
        "[2] agent: $350 and it's yours.",
        "[3] customer: Deal. I'll pick it up tomorrow.",
    ]


def test_fenced_json_with_prose_around_it_is_accepted() -> None:
    answer = "Here you go:\n```json\n" + json.dumps(VALID, indent=2) + "\n```\nAnything else?"
    with fake_openai_server(answer) as server:
        result = _analyzer(server.base_url).analyze(CONVERSATION)
    assert result.counts()["commitment"] == 1
    assert len(result.insights) == 4


def test_insights_naming_missing_or_event_turns_are_dropped_and_logged() -> None:
    answer = {
        "insights": [
            *VALID["insights"],
            {"kind": "objection", "turn_index": 42, "text": "made up"},
            {"kind": "commitment", "turn_index": 5, "text": "accept"},
            {"kind": "question", "turn_index": -1, "text": "?"},
        ]
    }
    with fake_openai_server(json.dumps(answer)) as server, structlog.testing.capture_logs() as logs:
        result = _analyzer(server.base_url).analyze(CONVERSATION)
    assert result.dropped == 3
    assert result.to_dict()["dropped"] == 3
    assert len(result.insights) == 4
    assert {i.turn_index for i in result.insights} == {0, 1, 3}
    (warning,) = [e for e in logs if e["event"] == "llm_insights_dropped"]
    assert (warning["conversation_id"], warning["turn_indexes"]) == ("deal-7", [42, 5, -1])


def test_empty_model_text_falls_back_to_the_turn_and_duplicates_collapse() -> None:
    item = {"kind": "objection", "turn_index": 1, "text": ""}
    with fake_openai_server(json.dumps({"insights": [item, item]})) as server:
        result = _analyzer(server.base_url).analyze(CONVERSATION)
    assert [i.text for i in result.insights] == ["That's too much.\nWould you take $300?"]


def test_garbage_is_an_llm_error_that_shows_the_answer() -> None:
    with (
        fake_openai_server("I'm sorry, I cannot help with that.") as server,
        pytest.raises(LLMError) as info,
    ):
        _analyzer(server.base_url).analyze(CONVERSATION)
    message = str(info.value)
    assert "is not JSON" in message
    assert "fake-model" in message
    assert "I'm sorry, I cannot help with that." in message
    assert info.value.exit_code == 69


def test_json_of_the_wrong_shape_names_the_bad_field() -> None:
    wrong = {"insights": [{"kind": "objections", "turn_index": 1, "text": "x"}]}
    with (
        fake_openai_server(json.dumps(wrong)) as server,
        pytest.raises(LLMError, match=r"does not match the insight schema \(insights\.0\.kind"),
    ):
        _analyzer(server.base_url).analyze(CONVERSATION)
    with pytest.raises(LLMError, match=r"insights: Field required"):
        parse_reply('{"answer": []}')


def test_server_error_is_an_llm_error_naming_the_status() -> None:
    with fake_openai_server(lambda _r: HttpError(500, "model crashed")) as server:
        with pytest.raises(LLMError) as info:
            _analyzer(server.base_url).analyze(CONVERSATION)
        assert len(server.completions) == 1
    assert "answered HTTP 500 for model 'fake-model': model crashed" in str(info.value)
    assert info.value.hint == "retry later, or look at the endpoint's logs"


def test_a_rejected_key_points_at_the_key_setting() -> None:
    with (
        fake_openai_server(lambda _r: HttpError(401, "invalid api key")) as server,
        pytest.raises(LLMError, match="HTTP 401") as info,
    ):
        _analyzer(server.base_url).analyze(CONVERSATION)
    assert info.value.hint == "check COLLOQUY_LLM__API_KEY"


def test_a_transient_failure_is_retried() -> None:
    answers: list[str | HttpError] = [
        HttpError(503, "overloaded"),
        json.dumps({"insights": VALID["insights"][:1]}),
    ]
    with fake_openai_server(lambda _request: answers.pop(0)) as server:
        result = _analyzer(server.base_url, max_retries=1).analyze(CONVERSATION)
        assert len(server.completions) == 2
    assert result.counts()["price_mention"] == 1


@pytest.mark.parametrize(
    "response",
    [
        RawResponse(b"<html><body>Welcome to nginx</body></html>", content_type="text/html"),
        RawResponse(b'{"id": "x", "choices": []}'),
    ],
    ids=["web-page", "no-choices"],
)
def test_a_server_that_is_not_a_chat_api_is_an_llm_error(response: RawResponse) -> None:
    with (
        fake_openai_server(lambda _request: response) as server,
        pytest.raises(LLMError, match="did not answer with an OpenAI chat completion") as info,
    ):
        _analyzer(server.base_url).analyze(CONVERSATION)
    assert "/v1" in (info.value.hint or "")


def test_an_unreachable_endpoint_is_an_llm_error() -> None:
    base_url = f"http://127.0.0.1:{unused_port()}/v1"
    with pytest.raises(LLMError, match="cannot reach LLM endpoint") as info:
        _analyzer(base_url).analyze(CONVERSATION)
    assert "Connection refused" in str(info.value)
    assert "COLLOQUY_LLM__BASE_URL" in (info.value.hint or "")


def test_a_slow_endpoint_times_out() -> None:
    release = threading.Event()

    def slow(_request: RecordedRequest) -> str:
        release.wait(5)
        return "{}"

    with fake_openai_server(slow) as server:
        started = time.monotonic()
        try:
            with pytest.raises(LLMError, match=r"did not answer within 0\.3 s"):
                _analyzer(server.base_url, timeout=0.3).analyze(CONVERSATION)
        finally:
            release.set()
        assert time.monotonic() - started < 4


def test_only_events_means_no_request() -> None:
    events_only = Conversation(
        id="e",
        source="test",
        turns=(Turn(index=0, speaker=Speaker.AGENT, text="", extra={"event": "quit"}),),
    )
    with fake_openai_server(json.dumps(VALID)) as server:
        result = _analyzer(server.base_url).analyze(events_only, key_turns=[0])
        assert server.requests == []
    assert result.insights == ()


def test_without_a_key_a_placeholder_is_sent() -> None:
    with fake_openai_server('{"insights": []}') as server:
        result = LLMInsightAnalyzer(server.base_url, max_retries=0).analyze(CONVERSATION)
        (request,) = server.completions
    assert request.bearer == NO_KEY
    assert request.body["model"] == "gpt-4o-mini"
    assert result.counts() == dict.fromkeys(result.counts(), 0)


def test_the_fake_lists_models_like_an_openai_server() -> None:
    with fake_openai_server("{}", models=("fake-model", "other")) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
        listed = [model.id for model in client.models.list()]
        assert server.requests[0].method == "GET"
    assert listed == ["fake-model", "other"]


def test_settings_choose_the_analyzer(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(insight_analyzer_from_settings(Settings()), ExtractiveInsightAnalyzer)
    blank = Settings(llm=LLMSettings(base_url=""))
    assert isinstance(insight_analyzer_from_settings(blank), ExtractiveInsightAnalyzer)
    with fake_openai_server(json.dumps(VALID)) as server:
        monkeypatch.setenv("COLLOQUY_LLM__BASE_URL", server.base_url)
        monkeypatch.setenv("COLLOQUY_LLM__MODEL", "fake-model")
        monkeypatch.setenv("COLLOQUY_LLM__API_KEY", "sk-from-env")
        monkeypatch.setenv("COLLOQUY_LLM__TIMEOUT_SECONDS", "7.5")
        settings = load_settings()
        analyzer = insight_analyzer_from_settings(settings)
        assert isinstance(analyzer, LLMInsightAnalyzer)
        assert (analyzer.model, analyzer.timeout) == ("fake-model", 7.5)
        assert "sk-from-env" not in repr(settings.llm)
        result = analyzer.analyze(CONVERSATION)
        (request,) = server.completions
    assert request.bearer == "sk-from-env"
    assert result.counts()["next_step"] == 1


def test_every_call_records_the_prompt_and_any_client_can_serve() -> None:
    with fake_openai_server(json.dumps(VALID)) as server:
        client = OpenAICompatibleClient(server.base_url, "served-model", retry=RetryPolicy(0))
        analyzer = LLMInsightAnalyzer(client=client)
        with structlog.testing.capture_logs() as logs:
            result = analyzer.analyze(CONVERSATION)
        (request,) = server.completions
    (call,) = [line for line in logs if line["event"] == "llm_call"]
    prompt = insights_prompt()
    assert (call["prompt"], call["prompt_version"]) == ("insights", prompt.version)
    assert call["backend"] == "openai"
    assert request.body["model"] == "served-model"
    assert analyzer.model == "served-model"
    assert client.usage_total.calls == 1
    assert result.counts()["commitment"] == 1
    with pytest.raises(ValueError, match="needs a base_url or a client"):
        LLMInsightAnalyzer()
