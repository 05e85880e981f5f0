"""A seeded claims desk on a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from colloquy.desk import seed_desk
from colloquy.desk.tools import DeskServices
from colloquy.storage import Store

TODAY = date(2026, 11, 29)


@pytest.fixture
def desk_store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'desk.db'}") as store:
        seed_desk(store)
        yield store


@pytest.fixture
def services(desk_store: Store) -> DeskServices:
    return DeskServices.from_store(desk_store)
