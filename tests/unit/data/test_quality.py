"""The data quality report, on BANKING77 and on hand-made conversations."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from colloquy.data.loaders.banking77 import Banking77Loader
from colloquy.data.loaders.base import Problem
from colloquy.data.quality import (
    QualityReport,
    normalise_text,
    quality_report,
    summarise_counts,
)
from colloquy.schema import Conversation, Outcome, Speaker, Turn


@pytest.fixture(scope="module")
def banking(datasets_dir: Path) -> list[Conversation]:
    return list(Banking77Loader().load(datasets_dir / "banking77"))


def _split(conversations: list[Conversation], name: str) -> list[Conversation]:
    return [c for c in conversations if c.labels["split"] == name]


def test_banking77_whole_dataset(banking: list[Conversation]) -> None:
    report = quality_report(banking)
    assert report.conversations == report.turns == 13_083
    assert report.label_key == "intent"
    assert len(report.label_counts) == 77
    assert report.unlabelled == 0
    assert report.label_counts["card_payment_fee_charged"] == 227
    assert report.label_counts["contactless_not_working"] == 75
    assert report.imbalance_ratio == pytest.approx(227 / 75)
    assert report.empty_texts == 0
    assert report.duplicate_texts == 12
    assert report.completeness["turn text"] == 1.0
    assert report.completeness["turn intent"] == 1.0
    assert report.completeness["turn timestamp"] == 0.0
    assert report.completeness["conversation outcome"] == 0.0
    assert report.speakers["customer"].turn_share == 1.0
    assert report.turns_per_conversation is not None
    assert report.turns_per_conversation.max == 1


def test_banking77_per_split_counts(banking: list[Conversation]) -> None:
    train = quality_report(_split(banking, "train"))
    test = quality_report(_split(banking, "test"))
    assert (train.conversations, test.conversations) == (10_003, 3_080)
    assert len(train.label_counts) == len(test.label_counts) == 77
    assert set(test.label_counts.values()) == {40}
    assert test.imbalance_ratio == 1.0
    assert max(train.label_counts.values()) == 187
    assert min(train.label_counts.values()) == 35
    assert train.imbalance_ratio == pytest.approx(187 / 35)
    assert next(iter(train.label_counts)) == "card_payment_fee_charged"


def test_banking77_html_has_embedded_charts(banking: list[Conversation], tmp_path: Path) -> None:
    report = quality_report(banking)
    written = report.to_html(tmp_path / "out" / "quality.html")
    page = written.read_text(encoding="utf-8")
    images = re.findall(r'<img alt="chart" src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 3
    assert all(len(image) > 1000 for image in images)
    assert "card_payment_fee_charged" in page
    assert page.startswith("<!DOCTYPE html>")


def test_banking77_dict_and_rows(banking: list[Conversation]) -> None:
    report = quality_report(banking)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["labels"]["classes"] == 77
    assert data["labels"]["imbalance_ratio"] == pytest.approx(227 / 75)
    assert data["duplicates"]["duplicate_texts"] == 12
    rows = report.to_table_rows()
    assert all(len(row) == 3 and all(isinstance(cell, str) for cell in row) for row in rows)
    assert ("labels", "classes", "77") in rows


def test_loader_problems_are_reported_with_file_and_line(tmp_path: Path) -> None:
    data = tmp_path / "train.csv"
    data.write_text("text,category\nhello,greet\n,greet\na,b,c\nbye,leave\n", encoding="utf-8")
    loader = Banking77Loader(on_error="skip")
    report = quality_report(loader.load(data), problems=lambda: loader.report.problems)
    assert report.conversations == 2
    assert [(p.path, p.line) for p in report.problems] == [(str(data), 3), (str(data), 4)]
    assert report.to_dict()["problems"][0]["line"] == 3
    page = report.to_html(tmp_path / "q.html").read_text(encoding="utf-8")
    assert "Load problems" in page


# --------------------------------------------------------------------------- hand-made


def _turn(index: int, speaker: Speaker, text: str, **extra: object) -> Turn:
    return Turn.model_validate({"index": index, "speaker": speaker, "text": text, **extra})


def _conversation(cid: str, *turns: Turn, **extra: object) -> Conversation:
    return Conversation.model_validate({"id": cid, "source": "test", "turns": turns, **extra})


C, A = Speaker.CUSTOMER, Speaker.AGENT
T0 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def handmade() -> list[Conversation]:
    return [
        _conversation(
            "a",
            _turn(0, C, "Where is my card?", intent="card_arrival", speaker_id="u1"),
            _turn(1, A, "It is on its way, it should arrive tomorrow.", timestamp=T0),
            _turn(2, C, "   "),
            outcome=Outcome(converted=True),
            labels={"topic": "cards"},
        ),
        _conversation(
            "b",
            _turn(0, C, "WHERE is  my\tcard?"),
            _turn(1, A, "Let me check.", timestamp=T0 + timedelta(minutes=1)),
            _turn(2, A, "", timestamp=T0),
            metadata={"customer_id": "u2"},
            labels={"intent": "card_arrival"},
        ),
        _conversation("c", _turn(0, C, "where is my card?"), labels={"topic": "cards"}),
        _conversation("a", _turn(0, C, "thanks")),
        _conversation("d"),
    ]


def test_duplicates_after_normalisation(handmade: list[Conversation]) -> None:
    report = quality_report(handmade)
    assert normalise_text("  WHERE is  my\tcard? ") == "where is my card?"
    assert report.duplicate_texts == 2
    assert report.duplicate_examples == (("where is my card?", 3),)


def test_empty_texts_are_counted_not_duplicated(handmade: list[Conversation]) -> None:
    report = quality_report(handmade)
    assert report.empty_texts == 2
    assert report.turns == 8
    assert report.completeness["turn text"] == pytest.approx(6 / 8)


def test_completeness(handmade: list[Conversation]) -> None:
    shares = quality_report(handmade).completeness
    assert shares["turn timestamp"] == pytest.approx(3 / 8)
    assert shares["turn intent"] == pytest.approx(1 / 8)
    assert shares["turn speaker_id"] == pytest.approx(1 / 8)
    assert shares["conversation outcome"] == pytest.approx(1 / 5)
    assert shares["conversation metadata"] == pytest.approx(1 / 5)


def test_speaker_balance(handmade: list[Conversation]) -> None:
    speakers = quality_report(handmade).speakers
    assert list(speakers) == ["customer", "agent"]
    assert (speakers["customer"].turns, speakers["agent"].turns) == (5, 3)
    customer_words = 4 + 4 + 4 + 1
    agent_words = 9 + 3
    assert speakers["customer"].words == customer_words
    assert speakers["agent"].words == agent_words
    assert speakers["customer"].turn_share == pytest.approx(5 / 8)
    assert speakers["agent"].word_share == pytest.approx(agent_words / (customer_words + 12))


def test_labels_default_to_intent_with_turn_fallback(handmade: list[Conversation]) -> None:
    report = quality_report(handmade)
    assert report.label_counts == {"card_arrival": 2}
    assert report.unlabelled == 3
    assert report.imbalance_ratio == 1.0
    topic = quality_report(handmade, label_key="topic")
    assert topic.label_counts == {"cards": 2}
    assert topic.unlabelled == 3


def test_rule_violations(handmade: list[Conversation]) -> None:
    violations = {v.rule: v for v in quality_report(handmade).violations}
    assert violations["duplicate id"].count == 1
    assert violations["duplicate id"].examples == ("a",)
    assert violations["conversation without turns"].examples == ("d",)
    assert violations["timestamps out of order"].examples == ("b",)


def test_turns_per_conversation_matches_numpy(handmade: list[Conversation]) -> None:
    report = quality_report(handmade)
    lengths = [len(c.turns) for c in handmade]
    tpc = report.turns_per_conversation
    assert tpc is not None
    assert (tpc.min, tpc.max) == (0, 3)
    assert tpc.mean == pytest.approx(np.mean(lengths))
    assert tpc.median == pytest.approx(np.median(lengths))
    assert tpc.p95 == pytest.approx(np.percentile(lengths, 95))
    assert report.turn_count_histogram == {0: 1, 1: 2, 3: 2}


@pytest.mark.parametrize("values", [[1], [2, 2, 9], [1, 2, 3, 4], [*list(range(37)), 500]])
def test_summarise_counts_percentiles(values: list[int]) -> None:
    counts: dict[int, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    result = summarise_counts(counts)
    assert result is not None
    assert result.median == pytest.approx(np.median(values))
    assert result.p95 == pytest.approx(np.percentile(values, 95))


def test_empty_input_gives_an_empty_report(tmp_path: Path) -> None:
    report = quality_report([], problems=[Problem("x.csv", 2, "bad row")])
    assert report.conversations == 0
    assert report.turns_per_conversation is None
    assert report.imbalance_ratio is None
    assert report.completeness["turn text"] == 0.0
    json.dumps(report.to_dict())
    page = report.to_html(tmp_path / "empty.html").read_text(encoding="utf-8")
    assert "<img" not in page
    assert "x.csv" in page


def test_html_escapes_texts(tmp_path: Path) -> None:
    texts = ["<script>alert(1)</script>", "<script>alert(1)</script>"]
    conversations = [
        _conversation(str(i), _turn(0, C, text), labels={"intent": "<b>x</b>"})
        for i, text in enumerate(texts)
    ]
    page = quality_report(conversations).to_html(tmp_path / "x.html").read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_report_is_frozen(handmade: list[Conversation]) -> None:
    report = quality_report(handmade)
    assert isinstance(report, QualityReport)
    with pytest.raises(AttributeError):
        report.turns = 0  # type: ignore[misc]
