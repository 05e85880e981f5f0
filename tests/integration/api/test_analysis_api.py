"""``POST /v1/conversations/analyze`` against a real uvicorn server."""

from __future__ import annotations

import httpx
from tests.integration.api.conftest import KeyFactory, ServerFactory, SettingsFactory

CONVERSATION = {
    "id": "chat-42",
    "channel": "chat",
    "started_at": "2026-03-01T09:00:00Z",
    "turns": [
        {
            "speaker": "customer",
            "text": "My card still has not arrived, this is terrible.",
            "timestamp": "2026-03-01T09:00:00Z",
        },
        {
            "speaker": "agent",
            "text": "I am sorry! I have sent a new card today.",
            "timestamp": "2026-03-01T09:02:00Z",
        },
        {
            "speaker": "customer",
            "text": "Great, thank you so much for the quick help!",
            "timestamp": "2026-03-01T09:03:00Z",
        },
    ],
}


def test_one_conversation_is_analysed(api_client: httpx.Client) -> None:
    answer = api_client.post("/v1/conversations/analyze", json=CONVERSATION)
    assert answer.status_code == 200, answer.text
    analysis = answer.json()
    assert (analysis["conversation_id"], analysis["n_turns"]) == ("chat-42", 3)
    trajectory = analysis["sentiment"]
    assert [t["speaker"] for t in trajectory["turns"]] == ["customer", "agent", "customer"]
    assert trajectory["customer_start"] < 0 < trajectory["customer_end"]
    assert trajectory["customer_change"] > 0
    assert 1 <= trajectory["csat_estimate"] <= 5
    assert analysis["dynamics"]["first_response_seconds"] == 120
    assert analysis["language"]["is_english"] is True
    assert analysis["day"] == "2026-03-01"
    assert "points" in analysis["failures"]


def test_a_failing_conversation_reports_its_failure_points(api_client: httpx.Client) -> None:
    turns = [
        {"speaker": "customer", "text": "I want to cancel my subscription."},
        {"speaker": "agent", "text": "Could you tell me your account number?"},
        {"speaker": "customer", "text": "I already told you, I want to cancel."},
        {"speaker": "agent", "text": "Could you tell me your account number?"},
        {"speaker": "customer", "text": "This is useless. Let me speak to a manager now!"},
    ]
    analysis = api_client.post("/v1/conversations/analyze", json={"turns": turns}).json()
    kinds = {point["type"] for point in analysis["failures"]["points"]}
    assert "escalation" in kinds
    assert analysis["sentiment"]["customer_end"] < 0


def test_bad_conversations_are_422_problems(api_client: httpx.Client) -> None:
    empty = api_client.post("/v1/conversations/analyze", json={"turns": []})
    assert empty.status_code == 422
    assert empty.headers["content-type"].startswith("application/problem+json")
    speaker = api_client.post(
        "/v1/conversations/analyze", json={"turns": [{"speaker": "robot", "text": "hi"}]}
    )
    assert speaker.status_code == 422
    extra = api_client.post("/v1/conversations/analyze", json={**CONVERSATION, "colour": "red"})
    assert extra.status_code == 422


def test_analysis_needs_the_predict_scope(
    api_settings: SettingsFactory, live_server: ServerFactory, make_key: KeyFactory
) -> None:
    settings = api_settings()
    reader, predictor = (
        make_key(settings, "read", name="r"),
        make_key(settings, "predict", name="p"),
    )
    server = live_server(settings)
    with server.client(reader) as client:
        assert client.post("/v1/conversations/analyze", json=CONVERSATION).status_code == 403
    with server.client(predictor) as client:
        assert client.post("/v1/conversations/analyze", json=CONVERSATION).status_code == 200
