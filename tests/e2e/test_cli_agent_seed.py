"""``colloquy agent seed`` through the real CLI: a second run changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from colloquy.services.cli.main import main

from .test_bad_inputs import logging_restored


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("COLLOQUY_DATABASE_URL", url)
    monkeypatch.setenv("COLLOQUY_LOGGING__LEVEL", "warning")
    with logging_restored():
        yield url


def test_seed_twice(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agent", "seed", "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["customers"] == {"inserted": 12, "updated": 0, "unchanged": 0}
    assert first["kb_articles"]["inserted"] >= 40
    assert main(["agent", "seed", "--format", "json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert {table: counts["inserted"] + counts["updated"] for table, counts in second.items()} == {
        "customers": 0,
        "claims": 0,
        "kb_articles": 0,
    }
    assert main(["agent", "seed"]) == 0
    assert "kb_articles" in capsys.readouterr().out
