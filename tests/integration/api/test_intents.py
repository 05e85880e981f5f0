"""``POST /v1/intents/predict`` on a real uvicorn server with real (small) intent models."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
from tests.integration.api.conftest import KeyFactory, ServerFactory, SettingsFactory
from tests.serving_models import FIRST_INTENTS, SECOND_INTENTS, register, train_intents

from colloquy.pipelines.intent import IntentModel
from colloquy.tracking import MlflowRegistry


@pytest.fixture(scope="module")
def intent_dir(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_intents(datasets_dir, tmp_path_factory.mktemp("intent") / "first", FIRST_INTENTS)


@pytest.fixture(scope="module")
def second_dir(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("intent") / "second"
    return train_intents(datasets_dir, folder, SECOND_INTENTS)


@pytest.fixture(scope="module")
def oos_dir(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("intent") / "oos"
    return train_intents(datasets_dir, folder, FIRST_INTENTS, oos=True)


TEXTS = ["my card has still not arrived", "what exchange rate do you use?", "my pin is blocked"]


def test_one_text_and_a_batch_answer_as_the_model_does(
    intent_dir: Path, live_server: ServerFactory, api_settings: SettingsFactory
) -> None:
    server = live_server(api_settings(intent_model=str(intent_dir)))
    expected = IntentModel.load(intent_dir).predict(TEXTS, top_k=2)
    with server.client() as client:
        one = client.post("/v1/intents/predict", json={"text": TEXTS[0], "top_k": 2})
        batch = client.post("/v1/intents/predict", json={"texts": TEXTS, "top_k": 2})
        ready = client.get("/ready").json()
    assert one.status_code == 200, one.text
    assert batch.status_code == 200, batch.text
    body = batch.json()
    assert body["model"]["kind"] == "intent"
    assert body["model"]["name"] == "first"
    assert [p["label"] for p in body["predictions"]] == [e.intent for e in expected]
    assert [p["confidence"] for p in body["predictions"]] == pytest.approx(
        [e.confidence for e in expected]
    )
    assert [len(p["top_k"]) for p in body["predictions"]] == [2, 2, 2]
    assert one.json()["predictions"][0] == body["predictions"][0]
    assert not any(p["out_of_scope"] for p in body["predictions"])
    assert ready["checks"]["intent model"]["ready"] is True


def test_an_identical_request_is_answered_from_the_cache(
    intent_dir: Path, live_server: ServerFactory, api_settings: SettingsFactory
) -> None:
    server = live_server(api_settings(intent_model=str(intent_dir)))
    with server.client() as client:
        first = client.post("/v1/intents/predict", json={"text": TEXTS[1]})
        second = client.post("/v1/intents/predict", json={"text": TEXTS[1]})
        metrics = client.get("/metrics").text
    assert first.json() == second.json()
    hits = [line for line in metrics.splitlines() if line.startswith("cache_hits_total{")]
    assert hits
    assert float(hits[0].rsplit(" ", 1)[1]) == 1.0
    inference = [line for line in metrics.splitlines() if "model_inference_seconds_count" in line]
    assert any('kind="intent"' in line for line in inference)


def test_out_of_scope_messages_are_flagged(
    oos_dir: Path, live_server: ServerFactory, api_settings: SettingsFactory
) -> None:
    server = live_server(api_settings(intent_model=str(oos_dir)))
    model = IntentModel.load(oos_dir)
    texts = ["book a flight to Oslo", *TEXTS]
    expected = model.predict(texts)
    with server.client() as client:
        answer = client.post("/v1/intents/predict", json={"texts": texts}).json()
    flags = [p["out_of_scope"] for p in answer["predictions"]]
    assert flags == [e.intent == "oos" for e in expected]


INVALID = [
    {"text": "a", "texts": ["b"]},
    {},
    {"text": "   "},
    {"texts": []},
    {"texts": ["x"] * 65},
    {"text": "hello", "top_k": 0},
    {"text": "hello", "unknown": 1},
]


def test_invalid_requests_are_422_problems(
    intent_dir: Path, live_server: ServerFactory, api_settings: SettingsFactory
) -> None:
    server = live_server(api_settings(intent_model=str(intent_dir)))
    with server.client() as client:
        answers = [client.post("/v1/intents/predict", json=body) for body in INVALID]
    assert [a.status_code for a in answers] == [422] * len(INVALID)
    for answer in answers:
        assert answer.headers["content-type"].startswith("application/problem+json")


def test_without_a_model_the_server_starts_and_answers_503(
    live_server: ServerFactory, api_settings: SettingsFactory
) -> None:
    server = live_server(api_settings())
    with server.client() as client:
        answer = client.post("/v1/intents/predict", json={"text": "hello"})
        ready = client.get("/ready")
        health = client.get("/health")
    assert health.status_code == 200
    assert answer.status_code == 503
    problem = answer.json()
    assert problem["type"].endswith("model-unavailable")
    assert problem["kind"] == "intent"
    assert "champion" in problem["detail"]
    assert problem["request_id"]
    assert ready.status_code == 503
    assert ready.json()["checks"]["intent model"]["ready"] is False


def test_a_predict_key_may_predict_and_a_read_key_may_not(
    intent_dir: Path,
    live_server: ServerFactory,
    api_settings: SettingsFactory,
    make_key: KeyFactory,
) -> None:
    settings = api_settings(intent_model=str(intent_dir))
    predict_key = make_key(settings, "predict", name="predictor")
    read_key = make_key(settings, "read", name="reader")
    server = live_server(settings)
    with server.client(predict_key) as allowed, server.client(read_key) as refused:
        assert allowed.post("/v1/intents/predict", json={"text": TEXTS[0]}).status_code == 200
        assert refused.post("/v1/intents/predict", json={"text": TEXTS[0]}).status_code == 403
    with server.client() as anonymous:
        assert anonymous.post("/v1/intents/predict", json={"text": TEXTS[0]}).status_code == 401


def test_moving_the_alias_swaps_the_model_without_failing_a_request(
    intent_dir: Path,
    second_dir: Path,
    live_server: ServerFactory,
    api_settings: SettingsFactory,
) -> None:
    # Four clients in a loop outrun the per-key rate limit on a quiet machine; the swap is
    # what is tested here, so the limit is off.
    settings = api_settings(
        intent_model="bank-intent@champion",
        alias_poll_seconds=0.2,
        cache_entries=0,
        rate_limit_enabled=False,
    )
    core = settings.core()
    uri = core.resolved_mlflow_tracking_uri
    root = core.resolved_mlflow_artifact_root
    first = register(uri, root, intent_dir, "intent", "bank-intent")
    second = register(uri, root, second_dir, "intent", "bank-intent")
    registry = MlflowRegistry(uri)
    registry.set_alias("bank-intent", "champion", first)
    server = live_server(settings)

    statuses: list[int] = []
    versions: list[str] = []
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(base_url=server.base_url, timeout=60) as client:
            while not stop.is_set():
                answer = client.post("/v1/intents/predict", json={"text": TEXTS[0]})
                statuses.append(answer.status_code)
                if answer.status_code == 200:
                    versions.append(answer.json()["model"]["version"])

    workers = [threading.Thread(target=hammer) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        for _ in range(400):
            if str(first) in versions:
                break
            stop.wait(0.05)
        registry.set_alias("bank-intent", "champion", second)  # moved outside the API
        deadline = 200
        while str(second) not in versions and deadline:
            stop.wait(0.1)
            deadline -= 1
        seen_after = len(versions)
        for _ in range(400):
            if len(versions) >= seen_after + 20:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert set(statuses) == {200}
    assert versions[0] == str(first)
    assert versions[-1] == str(second)
    assert versions.index(str(second)) > 0
    assert set(versions) == {str(first), str(second)}
