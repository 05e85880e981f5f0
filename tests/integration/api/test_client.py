"""``colloquy.client`` against a real server: typed records back, typed errors with problems."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.integration.api.live import LiveServer, free_port
from tests.serving_models import FIRST_INTENTS, train_intents

from colloquy.client import (
    ApiConnectionError,
    ApiError,
    AsyncColloquyClient,
    AuthenticationError,
    ColloquyClient,
    NotFoundApiError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
)
from colloquy.client_models import ConversionTurn
from colloquy.services.api.settings import ApiSettings

SettingsFactory = Callable[..., ApiSettings]
ServerFactory = Callable[..., LiveServer]
KeyFactory = Callable[..., str]


@pytest.fixture(scope="module")
def intent_dir(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_intents(datasets_dir, tmp_path_factory.mktemp("client") / "m", FIRST_INTENTS)


def test_predict_analyze_and_datasets(
    intent_dir: Path,
    live_server: ServerFactory,
    api_settings: SettingsFactory,
    make_key: KeyFactory,
    tmp_path: Path,
) -> None:
    settings = api_settings(intent_model=str(intent_dir))
    key = make_key(settings, "admin")
    server = live_server(settings)
    with ColloquyClient(server.base_url, api_key=key) as api:
        assert api.health().status == "ok"
        assert api.whoami().scope == "admin"
        one = api.predict_intents("my card has still not arrived", top_k=2)
        batch = api.predict_intents(["my card has still not arrived", "my pin is blocked"])
        assert one.model.kind == "intent"
        assert len(one.predictions[0].top_k) == 2
        assert one.predictions[0].label == batch.predictions[0].label
        assert len(batch.predictions) == 2
        with pytest.raises(ServiceUnavailableError) as unavailable:
            api.predict_conversion([("customer", "is the bike for sale?")])
        assert unavailable.value.problem.request_id
        analysis = api.analyze(
            [
                ConversionTurn(speaker="customer", text="My card still has not arrived."),
                ("agent", "Sorry! I have sent a new one today."),
                {"speaker": "customer", "text": "Great, thanks for the quick help."},
            ],
            conversation_id="chat-1",
        )
        assert analysis.conversation_id == "chat-1"
        csv = tmp_path / "chats.csv"
        csv.write_text(
            "chat,role,message\nc1,customer,where is my card\nc1,agent,it is on its way\n",
            "utf-8",
        )
        mapping = {"conversation_id": "chat", "speaker": "role", "text": "message"}
        job = api.upload_dataset(csv, dataset="chats", source="csv", mapping=mapping)
        done = api.wait(job, timeout=120, poll=0.1)
        assert done.state == "succeeded", done.error
        assert [d.name for d in api.list_datasets()] == ["chats"]
        detail = api.get_dataset("chats")
        assert (detail.conversations, detail.turns) == (1, 2)
        with pytest.raises(NotFoundApiError, match="HTTP 404"):
            api.get_dataset("nope")
        with pytest.raises(ApiError) as invalid:
            api.create_training_job(pipeline_yaml="name: [unclosed")
        assert invalid.value.status in (400, 422)


def test_auth_scope_and_rate_limit_errors_are_typed(
    live_server: ServerFactory, api_settings: SettingsFactory, make_key: KeyFactory
) -> None:
    settings = api_settings(rate_limit_per_second=0.05, rate_limit_burst=2)
    reader = make_key(settings, "read")
    server = live_server(settings)
    with ColloquyClient(server.base_url, api_key="clq_00000000_" + "A" * 43) as forged:
        with pytest.raises(AuthenticationError) as refused:
            forged.whoami()
        assert refused.value.problem.status == 401
    with ColloquyClient(server.base_url, api_key=reader) as api:
        with pytest.raises(PermissionDeniedError, match="needs 'predict'"):
            api.predict_intents("hello")
        api.whoami()
        api.whoami()
        with pytest.raises(RateLimitedError) as limited:
            api.whoami()
        assert limited.value.retry_after >= 1


def test_an_unreachable_server_is_a_connection_error() -> None:
    api = ColloquyClient(f"http://127.0.0.1:{free_port()}", timeout=2)
    with api, pytest.raises(ApiConnectionError, match="cannot reach"):
        api.health()


def test_the_async_client_answers_like_the_sync_one(
    intent_dir: Path, live_server: ServerFactory, api_settings: SettingsFactory, tmp_path: Path
) -> None:
    server = live_server(api_settings(intent_model=str(intent_dir)))
    texts = ["my card has still not arrived", "my pin is blocked", "exchange rate please"]
    csv = tmp_path / "a.csv"
    csv.write_text("chat,role,message\nc9,customer,hello there\n", "utf-8")
    mapping = {"conversation_id": "chat", "speaker": "role", "text": "message"}

    async def scenario() -> tuple[list[str], str, int]:
        async with AsyncColloquyClient(server.base_url) as api:
            answers = await asyncio.gather(*(api.predict_intents(text) for text in texts))
            ready = await api.ready()
            job = await api.upload_dataset(csv, dataset="a", source="csv", mapping=mapping)
            done = await api.wait(job, timeout=120, poll=0.1)
            with pytest.raises(NotFoundApiError):
                await api.get_training_job("0" * 32)
            detail = await api.get_dataset("a")
            assert "store" in ready.checks
            return [a.predictions[0].label for a in answers], done.state, detail.turns

    labels, state, turns = asyncio.run(scenario())
    with ColloquyClient(server.base_url) as sync:
        assert labels == [p.label for p in sync.predict_intents(texts).predictions]
    assert state == "succeeded"
    assert turns == 1
