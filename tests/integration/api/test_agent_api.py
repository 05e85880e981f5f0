"""The agent over a real uvicorn server: sessions, messages, the WebSocket stream, the audit."""

from __future__ import annotations

import json

import pytest
from tests.integration.api.conftest import KeyFactory, ServerFactory, SettingsFactory
from tests.integration.api.live import LiveServer
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from colloquy.desk import seed_desk
from colloquy.storage import Store


@pytest.fixture
def agent_server(api_settings: SettingsFactory, live_server: ServerFactory) -> LiveServer:
    settings = api_settings()
    with Store.open(settings.resolved_store_url()) as store:
        seed_desk(store)
    return live_server(settings)


def test_a_claim_inquiry_over_http_is_answered_and_audited(agent_server: LiveServer) -> None:
    with agent_server.client() as http:
        opened = http.post("/v1/agent/sessions", json={"channel": "api"})
        assert opened.status_code == 201, opened.text
        sid = opened.json()["session_id"]
        assert "recorded" in opened.json()["reply"]
        replies = []
        for text in (
            "What's the status of my claim?",
            "555-0100, born 1984-03-12",
            "CLM-2026-00002",
        ):
            answer = http.post(f"/v1/agent/sessions/{sid}/messages", json={"text": text})
            assert answer.status_code == 200, answer.text
            replies.append(answer.json())
        last = replies[-1]
        assert (last["journey"], last["state"], last["ended"]) == ("claim_inquiry", "done", True)
        assert [t["tool"] for t in last["tools"]] == ["get_claim_status"]
        assert "CLM-2026-00002" in last["reply"]
        assert last["validation"] == "passed"
        assert last["timings"]["total_ms"] > 0
        assert http.delete(f"/v1/agent/sessions/{sid}").status_code == 204
        events = http.get(f"/v1/agent/sessions/{sid}/events").json()
        kinds = [e["kind"] for e in events]
        assert kinds[0] == "session_started"
        assert kinds[-1] == "session_ended"
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        assert kinds.count("reply") == 4
        metrics = http.get("/metrics").text
        assert 'agent_turns_total{event="journey_done",journey="claim_inquiry"} 1.0' in metrics
        assert 'agent_turn_stage_seconds_count{stage="total"} 3.0' in metrics
        assert 'agent_tool_calls_total{status="ok",tool="get_claim_status"} 1.0' in metrics
        assert "agent_sessions_open 0.0" in metrics


def test_the_stream_sends_validated_sentences_then_the_turn(agent_server: LiveServer) -> None:
    with agent_server.client() as http:
        sid = http.post("/v1/agent/sessions").json()["session_id"]
    url = agent_server.base_url.replace("http://", "ws://") + f"/v1/agent/sessions/{sid}/stream"
    with connect(url) as ws:
        ws.send(json.dumps({"text": "Is flood damage covered by home insurance?"}))
        frames = []
        while True:
            frame = json.loads(ws.recv(timeout=60))
            frames.append(frame)
            if frame["type"] == "turn":
                break
        ws.send(json.dumps({"wrong": 1}))
        error = json.loads(ws.recv(timeout=10))
    sentences = [f["text"] for f in frames if f["type"] == "sentence"]
    assert len(sentences) >= 2
    assert frames[-1]["journey"] == "knowledge_query"
    assert frames[-1]["turn"] == 1
    assert error["type"] == "error"
    assert "text" in error["detail"]


def test_unknown_sessions_and_bad_messages_are_problems(agent_server: LiveServer) -> None:
    with agent_server.client() as http:
        missing = http.post("/v1/agent/sessions/nope/messages", json={"text": "hi"})
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        sid = http.post("/v1/agent/sessions").json()["session_id"]
        empty = http.post(f"/v1/agent/sessions/{sid}/messages", json={"text": ""})
        assert empty.status_code == 422


def test_the_stream_needs_a_key_once_keys_exist(
    api_settings: SettingsFactory, live_server: ServerFactory, make_key: KeyFactory
) -> None:
    settings = api_settings()
    with Store.open(settings.resolved_store_url()) as store:
        seed_desk(store)
    key = make_key(settings, "predict")
    server = live_server(settings)
    with server.client(key) as http:
        sid = http.post("/v1/agent/sessions").json()["session_id"]
    base = server.base_url.replace("http://", "ws://") + f"/v1/agent/sessions/{sid}/stream"
    with pytest.raises(InvalidStatus) as refused:
        connect(base)
    assert refused.value.response.status_code == 403
    with connect(base, additional_headers={"X-API-Key": key}) as ws:
        ws.send(json.dumps({"text": "What is a deductible?"}))
        assert json.loads(ws.recv(timeout=60))["type"] == "sentence"
