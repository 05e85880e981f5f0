"""``/v1/models``: the registry over HTTP, and alias moves that swap the served model."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.api.conftest import KeyFactory, ServerFactory, SettingsFactory
from tests.serving_models import FIRST_INTENTS, SECOND_INTENTS, register, train_intents

from colloquy.tracking import MlflowRegistry


@pytest.fixture(scope="module")
def intent_dirs(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("intents")
    return (
        train_intents(datasets_dir, folder / "first", FIRST_INTENTS),
        train_intents(datasets_dir, folder / "second", SECOND_INTENTS),
    )


def test_an_empty_registry_lists_nothing(
    live_server: ServerFactory, api_settings: SettingsFactory
) -> None:
    server = live_server(api_settings())
    with server.client() as client:
        listed = client.get("/v1/models")
        missing = client.get("/v1/models/nothing-here")
    assert listed.status_code == 200
    assert listed.json() == {"models": [], "serving": []}
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_models_are_listed_shown_and_rolled_out_by_alias(
    intent_dirs: tuple[Path, Path],
    live_server: ServerFactory,
    api_settings: SettingsFactory,
    make_key: KeyFactory,
) -> None:
    settings = api_settings(alias_poll_seconds=60)
    core = settings.core()
    uri, root = core.resolved_mlflow_tracking_uri, core.resolved_mlflow_artifact_root
    first = register(uri, root, intent_dirs[0], "intent", "bank-intent")
    second = register(uri, root, intent_dirs[1], "intent", "bank-intent")
    MlflowRegistry(uri).set_alias("bank-intent", "champion", first)
    admin = make_key(settings, "admin", name="admin")
    reader = make_key(settings, "read", name="reader")
    server = live_server(settings)  # no --intent-model: the registry's intent champion

    with server.client(reader) as client:
        listed = client.get("/v1/models").json()
        shown = client.get("/v1/models/bank-intent").json()
        refused = client.put("/v1/models/bank-intent/aliases/champion", json={"version": second})
        before = client.post("/v1/intents/predict", json={"text": "my card is lost"})
    assert [m["name"] for m in listed["models"]] == ["bank-intent"]
    assert listed["models"][0]["aliases"] == {"champion": first}
    assert listed["serving"][0]["version"] == str(first)
    assert [v["version"] for v in shown["versions"]] == [second, first]
    assert shown["serving"][0]["kind"] == "intent"
    assert refused.status_code == 403
    assert before.status_code == 403  # read scope does not cover predict

    with server.client(admin) as client:
        moved = client.put("/v1/models/bank-intent/aliases/champion", json={"version": second})
        answer = client.post("/v1/intents/predict", json={"text": "my card is lost"}).json()
        bad = client.put("/v1/models/bank-intent/aliases/champion", json={"version": 99})
        reserved = client.put("/v1/models/bank-intent/aliases/latest", json={"version": first})
    assert moved.status_code == 200, moved.text
    assert moved.json()["previous"] == first
    assert moved.json()["serving"][0]["version"] == str(second)
    assert answer["model"]["version"] == str(second)
    assert answer["predictions"][0]["label"] in SECOND_INTENTS
    assert bad.status_code == 404
    assert reserved.status_code == 400
