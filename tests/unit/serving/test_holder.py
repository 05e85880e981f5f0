"""The model holder: load once, swap when the reference moves, keep serving on failure."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from colloquy.errors import ArtifactError, NotFoundError
from colloquy.pipelines.intent import IntentModel
from colloquy.serving import (
    INTENT_LOADER,
    ModelHolder,
    ModelLocator,
    ModelUnavailableError,
    manifest_of,
)
from colloquy.tracking.registry import ModelRegistry


def no_registry() -> ModelRegistry:
    raise NotFoundError("no model registry in these tests")


def holder_for(
    reference: str | None, tmp_path: Path, poll: float = 0.0
) -> ModelHolder[IntentModel]:
    locator = ModelLocator("intent", reference, registry=no_registry, cache_dir=tmp_path / "cache")
    return ModelHolder("intent", locator, INTENT_LOADER, poll_interval=poll)


def test_a_directory_is_loaded_once_and_identified_by_its_digest(
    first_model: Path, tmp_path: Path
) -> None:
    holder = holder_for(str(first_model), tmp_path)
    holder.start()
    served = holder.require()
    _, digest = manifest_of(first_model)
    assert served.identity.version == digest[:12]
    assert served.identity.name == "first"
    assert served.identity.located.sha256 == digest
    assert holder.refresh() is False  # nothing moved: the same object keeps serving
    assert holder.require() is served


def test_a_replaced_directory_is_swapped_and_old_holders_keep_their_model(
    first_model: Path, second_model: Path, tmp_path: Path
) -> None:
    live = tmp_path / "live"
    shutil.copytree(first_model, live)
    holder = holder_for(str(live), tmp_path)
    holder.start()
    before = holder.require()
    shutil.rmtree(live)
    shutil.copytree(second_model, live)
    assert holder.refresh() is True
    after = holder.require()
    assert after.identity.version != before.identity.version
    assert holder.swaps == 1
    # A request that read the old pair still answers with the old model.
    assert before.model.predict(["my pin is blocked"])[0].intent == "pin_blocked"
    assert after.model.predict(["my card was stolen"])[0].intent == "lost_or_stolen_card"


def test_a_broken_new_version_keeps_the_old_model_serving(
    first_model: Path, tmp_path: Path
) -> None:
    live = tmp_path / "live"
    shutil.copytree(first_model, live)
    holder = holder_for(str(live), tmp_path)
    holder.start()
    before = holder.require()
    manifest = json.loads((live / "manifest.json").read_text(encoding="utf-8"))
    manifest["sha256"] = "0" * 64  # an edited manifest: the loader must refuse it
    (live / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert holder.refresh() is False
    assert holder.require() is before
    assert holder.last_error is not None
    assert "manifest" in holder.last_error


def test_without_a_model_the_holder_is_empty_and_says_why(tmp_path: Path) -> None:
    holder = holder_for(None, tmp_path)
    holder.start()
    assert not holder.ready
    with pytest.raises(ModelUnavailableError, match="no model registry") as caught:
        holder.require()
    assert caught.value.kind == "intent"


def test_a_model_of_the_wrong_kind_is_refused(first_model: Path, tmp_path: Path) -> None:
    locator = ModelLocator("conversion", str(first_model), registry=no_registry, cache_dir=tmp_path)
    with pytest.raises(ArtifactError, match="is a intent model"):
        locator.locate()


def test_the_poller_swaps_in_the_background(
    first_model: Path, second_model: Path, tmp_path: Path
) -> None:
    live = tmp_path / "live"
    shutil.copytree(first_model, live)
    holder = holder_for(str(live), tmp_path, poll=0.05)
    holder.start()
    try:
        first = holder.require().identity.version
        shutil.rmtree(live)
        shutil.copytree(second_model, live)
        for _ in range(200):
            if holder.require().identity.version != first:
                break
            time.sleep(0.05)
        assert holder.require().identity.version == manifest_of(second_model)[1][:12]
    finally:
        holder.stop()
