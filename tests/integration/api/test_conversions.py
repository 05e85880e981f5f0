"""``POST /v1/conversions/predict`` on a real uvicorn server with a real conversion model."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.api.conftest import ServerFactory, SettingsFactory
from tests.serving_models import train_conversion

from colloquy.pipelines.conversion_model import ConversionModel
from colloquy.schema import Conversation, Speaker, Turn

TURNS = [
    {"speaker": "customer", "text": "Hi, is the bike still for sale?"},
    {"speaker": "agent", "text": "Yes! It is 150, barely used."},
    {"speaker": "customer", "text": "Would you take 120 if I pick it up today?"},
    {"speaker": "agent", "text": "Make it 130 and it is yours."},
    {"speaker": "customer", "text": "Deal, see you at five."},
]
METADATA = {"listing_price": 150, "category": "bike"}


@pytest.fixture(scope="module")
def conversion_dir(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_conversion(datasets_dir, tmp_path_factory.mktemp("conversion") / "model")


def _conversation() -> Conversation:
    return Conversation(
        id="call-1",
        source="api",
        turns=tuple(
            Turn(index=i, speaker=Speaker(t["speaker"]), text=t["text"])
            for i, t in enumerate(TURNS)
        ),
        metadata=METADATA,
    )


def test_a_finished_conversation_gets_probability_reasons_and_insights(
    conversion_dir: Path, live_server: ServerFactory, api_settings: SettingsFactory
) -> None:
    server = live_server(api_settings(conversion_model=str(conversion_dir)))
    expected = ConversionModel.load(conversion_dir).predict(_conversation())
    with server.client() as client:
        answer = client.post(
            "/v1/conversions/predict",
            json={"conversation_id": "call-1", "turns": TURNS, "metadata": METADATA},
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["model"]["kind"] == "conversion"
    assert body["probability"] == pytest.approx(expected.probability)
    assert body["running_probability"] == pytest.approx(list(expected.running_probability))
    assert len(body["running_probability"]) == len(TURNS)
    assert body["explanation"]["blocks"]
    assert body["insights"]["conversation_id"] == "call-1"
    assert body["partial"] is False


def test_a_partial_conversation_is_scored_live_without_insights(
    conversion_dir: Path, live_server: ServerFactory, api_settings: SettingsFactory
) -> None:
    server = live_server(api_settings(conversion_model=str(conversion_dir)))
    with server.client() as client:
        live = client.post(
            "/v1/conversions/predict",
            json={"turns": TURNS[:3], "metadata": METADATA, "partial": True},
        )
        asked = client.post(
            "/v1/conversions/predict",
            json={"turns": TURNS[:3], "metadata": METADATA, "partial": True, "insights": True},
        )
    assert live.status_code == 200, live.text
    assert live.json()["insights"] is None
    assert len(live.json()["running_probability"]) == 3
    assert live.json()["partial"] is True
    assert asked.json()["insights"] is not None
    assert asked.json()["probability"] == pytest.approx(live.json()["probability"])


UNUSABLE = [
    {"turns": []},
    {"turns": [{"speaker": "agent", "text": "hello?"}]},
    {"turns": [{"speaker": "martian", "text": "hi"}]},
    {"turns": [{"speaker": "customer", "text": " "}]},
]


def test_unusable_conversations_are_422_problems(
    conversion_dir: Path, live_server: ServerFactory, api_settings: SettingsFactory
) -> None:
    server = live_server(api_settings(conversion_model=str(conversion_dir)))
    with server.client() as client:
        answers = [client.post("/v1/conversions/predict", json=body) for body in UNUSABLE]
    assert [a.status_code for a in answers] == [422] * len(UNUSABLE)
    for answer in answers:
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_without_a_conversion_model_the_route_answers_503(
    live_server: ServerFactory, api_settings: SettingsFactory
) -> None:
    server = live_server(api_settings())
    with server.client() as client:
        answer = client.post("/v1/conversions/predict", json={"turns": TURNS})
    assert answer.status_code == 503
    assert answer.json()["kind"] == "conversion"
