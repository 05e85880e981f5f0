"""Reference snapshots: JSON file round trip, the store round trip, damaged documents."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from colloquy.errors import DataError, NotFoundError
from colloquy.monitoring.reference import (
    build_snapshot,
    load_stored_snapshot,
    read_snapshot,
    store_snapshot,
    write_snapshot,
)
from colloquy.storage import Store


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(6)
    return pd.DataFrame(
        {
            "words": rng.integers(1, 40, 500).astype(float),
            "intent": rng.choice(["refund", "card"], 500),
            "text": ["where is my card"] * 250 + ["refund please"] * 250,
        }
    )


def test_file_round_trip(tmp_path: Path) -> None:
    made = build_snapshot(
        "ref", _frame(), source="test", text_fields=("text",), label_field="intent", sample_cap=100
    )
    back = read_snapshot(write_snapshot(made, tmp_path / "ref.json"))
    assert back.name == "ref"
    assert back.rows == 500
    assert back.label_field == "intent"
    words = back.feature("words")
    assert words is not None
    assert words.values.size == 100
    intent = back.feature("intent")
    assert intent is not None
    assert sum(intent.counts.values()) == 500
    assert back.texts[0].field == "text"
    assert len(back.texts[0].texts) == 500


def test_store_round_trip(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'c.db'}") as store:
        store_snapshot(store, build_snapshot("ref", _frame(), source="test"))
        assert load_stored_snapshot(store, "ref").rows == 500
        with pytest.raises(NotFoundError, match="stored: ref"):
            load_stored_snapshot(store, "other")


def test_bad_snapshots_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        read_snapshot(tmp_path / "missing.json")
    foreign = tmp_path / "foreign.json"
    foreign.write_text('{"format": "something-else"}', encoding="utf-8")
    with pytest.raises(DataError, match="not a colloquy reference snapshot"):
        read_snapshot(foreign)
    with pytest.raises(DataError, match="no rows"):
        build_snapshot("ref", pd.DataFrame({"a": []}), source="test")
    with pytest.raises(DataError, match="text field"):
        build_snapshot("ref", _frame(), source="test", text_fields=("body",))
