"""A tabular model directory whose manifest was rewritten (and re-sealed with a matching
digest, as an attacker would) still cannot make colloquy run or load what it names."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from colloquy.errors import ArtifactError
from colloquy.models.artifacts import manifest_digest
from colloquy.models.tabular import TabularModel, TrainerSpec

from .conftest import CHURN_FEATURES


def _reseal(directory: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    manifest["sha256"] = manifest_digest(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture
def saved(churn: pd.DataFrame, tmp_path: Path) -> Path:
    spec = TrainerSpec(name="random_forest", params={"n_estimators": 5})
    return TabularModel(CHURN_FEATURES, trainer=spec).fit(churn, "churn").save(tmp_path / "m")


def test_a_function_slipped_into_the_manifest_is_not_imported(saved: Path) -> None:
    def add_function(manifest: dict[str, Any]) -> None:
        custom = {"function": "os.system", "columns": ["note"]}
        manifest["preprocessing"]["custom"] = [custom]

    _reseal(saved, add_function)
    with pytest.raises(ArtifactError, match=r"applies function 'os\.system', which this call"):
        TabularModel.load(saved)


def test_a_renamed_trainer_does_not_match_the_saved_estimator(saved: Path) -> None:
    def rename(manifest: dict[str, Any]) -> None:
        manifest["trainer"] = {"name": "logistic_regression", "params": {}}

    _reseal(saved, rename)
    with pytest.raises(ArtifactError, match="holds a RandomForestClassifier, not the Logistic"):
        TabularModel.load(saved)


def test_unknown_trainer_parameters_in_the_manifest_are_refused(saved: Path) -> None:
    def poison(manifest: dict[str, Any]) -> None:
        manifest["trainer"]["params"]["__class__"] = "x"

    _reseal(saved, poison)
    with pytest.raises(ArtifactError, match=r"is malformed: trainer\.params\.__class__"):
        TabularModel.load(saved)


def test_a_schema_that_disagrees_with_the_features_is_refused(saved: Path) -> None:
    def drop_column(manifest: dict[str, Any]) -> None:
        manifest["input_schema"] = manifest["input_schema"][1:]

    _reseal(saved, drop_column)
    with pytest.raises(ArtifactError, match="input_schema does not match the features"):
        TabularModel.load(saved)
