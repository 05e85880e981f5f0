"""The ingest job on real data: cleaning and PII masking applied and recorded, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from colloquy.config import IngestSettings
from colloquy.data.loaders import get_loader
from colloquy.errors import ParseError
from colloquy.pipelines.ingest import ingest
from colloquy.storage import Store


def test_twitter_ingest_masks_and_records(store: Store, datasets_dir: Path) -> None:
    result = ingest(
        store, get_loader("twitter_support"), datasets_dir / "twitter_support", dataset="tw"
    )
    assert (result.stored.inserted, result.stored.turns) == (1312, 5000)
    assert result.pii is not None
    assert result.pii["counts"]["phone"] > 0
    texts = [t.text for c in store.conversations("tw") for t in c.turns]
    assert any("<PHONE>" in text for text in texts)
    assert not any("&amp;" in text for text in texts)
    [record] = store.dataset("tw").params["ingests"]
    assert record["inserted"] == 1312
    assert record["cleaning"]["changed_counts"]["html_entities"] > 0
    assert record["pii"]["counts"] == result.pii["counts"]


def test_cleaning_and_masking_can_be_switched_off(store: Store, datasets_dir: Path) -> None:
    settings = IngestSettings(clean=False, mask_pii=False)
    ingest(
        store,
        get_loader("twitter_support"),
        datasets_dir / "twitter_support",
        dataset="raw",
        settings=settings,
    )
    texts = [t.text for c in store.conversations("raw") for t in c.turns]
    assert any("&amp;" in text for text in texts)
    assert not any("<PHONE>" in text for text in texts)
    record = store.dataset("raw").params["ingests"][0]
    assert record["cleaning"] is None
    assert record["pii"] is None


def test_bad_row_under_fail_writes_nothing(store: Store, tmp_path: Path) -> None:
    csv_file = tmp_path / "train.csv"
    rows = [f"question number {i},card_arrival" for i in range(3000)]
    rows.insert(2500, "broken,row,with,too,many,fields")
    csv_file.write_text("text,category\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"train\.csv:2502"):
        ingest(store, get_loader("banking77"), csv_file, dataset="b77")
    assert store.datasets() == []
    skipped = ingest(store, get_loader("banking77", on_error="skip"), csv_file, dataset="b77")
    assert skipped.stored.inserted == 3000
    assert [p.line for p in skipped.load.problems] == [2502]
