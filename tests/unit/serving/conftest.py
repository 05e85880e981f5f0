"""Small real intent models (TF-IDF on BANKING77, seconds) for the serving tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.serving_models import FIRST_INTENTS, SECOND_INTENTS, train_intents


@pytest.fixture(scope="session")
def first_model(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_intents(datasets_dir, tmp_path_factory.mktemp("serving") / "first", FIRST_INTENTS)


@pytest.fixture(scope="session")
def second_model(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serving") / "second"
    return train_intents(datasets_dir, folder, SECOND_INTENTS)
