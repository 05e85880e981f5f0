"""MlflowRegistry on a real MLflow SQLite store: versions, aliases, downloads, references."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from colloquy.config import load_settings
from colloquy.errors import NotFoundError, UsageError
from colloquy.models.artifacts import file_digest
from colloquy.pipelines.intent import IntentModel
from colloquy.tracking import MlflowRegistry, resolve_model_reference

LogModels = Callable[[int], list[str]]


def test_versions_and_aliases_round_trip(tracking_uri: str, log_models: LogModels) -> None:
    first, second = log_models(2)
    registry = MlflowRegistry(tracking_uri)
    one = registry.register(first, "intent", {"dataset_version": "abc"})
    two = registry.register(second, "intent")
    assert (one.version, two.version) == (1, 2)
    assert one.tags == {"dataset_version": "abc"}
    assert one.run_id is not None
    assert one.run_id == two.run_id
    registry.set_alias("intent", "champion", 1)
    registry.set_alias("intent", "challenger", 2)
    assert registry.version_for("intent", "champion").version == 1
    assert registry.version_for("intent", "2").aliases == ("challenger",)
    assert registry.alias_version("intent", "champion") == 1
    registry.set_alias("intent", "champion", 2)
    assert registry.alias_version("intent", "champion") == 2

    details = registry.show("intent")
    assert [v.version for v in details.versions] == [2, 1]
    assert details.versions[0].aliases == ("challenger", "champion")
    assert details.versions[1].aliases == ()
    assert details.versions[0].metrics == {"accuracy": 0.9}
    assert details.model.aliases == {"champion": 2, "challenger": 2}
    assert json.loads(json.dumps(details.to_dict()))["versions"][0]["version"] == 2

    listed = registry.list_models()
    assert [m.name for m in listed] == ["intent"]
    assert listed[0].latest_version == 2

    registry.delete_alias("intent", "challenger")
    registry.delete_alias("intent", "challenger")
    assert registry.alias_version("intent", "challenger") is None
    registry.delete_version("intent", 1)
    assert [v.version for v in registry.show("intent").versions] == [2]


def test_unknown_names_versions_and_aliases_are_not_found(
    tracking_uri: str, log_models: LogModels
) -> None:
    registry = MlflowRegistry(tracking_uri)
    with pytest.raises(NotFoundError, match="no registered model named 'nope'"):
        registry.show("nope")
    (uri,) = log_models(1)
    registry.register(uri, "intent")
    with pytest.raises(NotFoundError, match="has no version 7"):
        registry.version_for("intent", 7)
    with pytest.raises(NotFoundError, match="has no alias 'champion'"):
        registry.version_for("intent", "champion")
    with pytest.raises(NotFoundError, match="has no version 9"):
        registry.set_alias("intent", "champion", 9)
    with pytest.raises(UsageError, match="alias 'latest' is not valid"):
        registry.set_alias("intent", "latest", 1)
    with pytest.raises(UsageError, match="model name 'bad name' is not valid"):
        registry.register(uri, "bad name")
    with pytest.raises(UsageError, match="not a logged model URI"):
        registry.register("/some/folder", "intent")
    assert [v.version for v in registry.show("intent").versions] == [1]


def test_download_gives_back_the_colloquy_model_directory(
    tracking_uri: str, intent_model_dir: Path, tmp_path: Path, log_models: LogModels
) -> None:
    (uri,) = log_models(1)
    registry = MlflowRegistry(tracking_uri)
    registry.register(uri, "intent")
    registry.set_alias("intent", "champion", 1)
    target = registry.download("intent", "champion", tmp_path / "downloaded")
    original = sorted(p.relative_to(intent_model_dir) for p in intent_model_dir.rglob("*"))
    assert sorted(p.relative_to(target) for p in target.rglob("*")) == original
    for relative in original:
        assert file_digest(target / relative) == file_digest(intent_model_dir / relative)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".download-")]
    texts = ["where is my card", "what rate do you use for euros"]
    assert IntentModel.load(target).predict(texts) == IntentModel.load(intent_model_dir).predict(
        texts
    )
    with pytest.raises(UsageError, match="exists and is not empty"):
        registry.download("intent", 1, target)


def test_references_accept_a_directory_an_alias_or_a_version(
    tracking_uri: str, intent_model_dir: Path, tmp_path: Path, log_models: LogModels
) -> None:
    first, second = log_models(2)
    registry = MlflowRegistry(tracking_uri)
    registry.register(first, "intent")
    registry.register(second, "intent")
    registry.set_alias("intent", "champion", 2)
    cache = tmp_path / "cache"

    direct = resolve_model_reference(str(intent_model_dir), registry=registry, cache_dir=cache)
    assert (direct.path, direct.name, direct.version) == (intent_model_dir, None, None)
    assert direct.label == str(intent_model_dir)

    champion = resolve_model_reference("intent@champion", registry=registry, cache_dir=cache)
    assert (champion.path, champion.name, champion.version) == (cache / "intent" / "2", "intent", 2)
    assert champion.label == "intent/2"
    assert (champion.path / "manifest.json").is_file()
    stamp = (champion.path / "manifest.json").stat().st_mtime_ns
    again = resolve_model_reference("intent/2", registry=registry, cache_dir=cache)
    assert again == champion
    assert (again.path / "manifest.json").stat().st_mtime_ns == stamp

    by_number = resolve_model_reference("intent/1", registry=registry, cache_dir=cache)
    assert by_number.version == 1

    with pytest.raises(NotFoundError, match="neither a directory nor a registered model"):
        resolve_model_reference(str(tmp_path / "missing"), registry=registry, cache_dir=cache)
    with pytest.raises(NotFoundError, match="has no alias 'staging'"):
        resolve_model_reference("intent@staging", registry=registry, cache_dir=cache)
    with pytest.raises(UsageError, match="alias 'v2' is not valid"):
        resolve_model_reference("intent@v2", registry=registry, cache_dir=cache)


def test_references_default_to_the_configured_store(
    tracking_uri: str, monkeypatch: pytest.MonkeyPatch, log_models: LogModels
) -> None:
    (uri,) = log_models(1)
    MlflowRegistry(tracking_uri).register(uri, "intent")
    monkeypatch.setenv("COLLOQUY_MLFLOW__TRACKING_URI", tracking_uri)
    resolved = resolve_model_reference("intent/1")
    home = load_settings().resolved_home
    assert resolved.path == home / "mlflow" / "downloads" / "intent" / "1"
    assert (resolved.name, resolved.version) == ("intent", 1)
    assert (resolved.path / "manifest.json").is_file()
