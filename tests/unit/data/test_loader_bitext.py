"""The Bitext loader on the real 4,514-row sample and on small malformed CSVs."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from colloquy.data.loaders.bitext import FILE_NAME, BitextLoader
from colloquy.errors import ParseError
from colloquy.schema import Conversation, Speaker

HEADER = (
    "context,role,instruction,intent,entity_type,entity_value,"
    "start_offset,end_offset,category,tags,response"
)


@pytest.fixture(scope="module")
def conversations(datasets_dir: Path) -> list[Conversation]:
    loader = BitextLoader()
    loaded = list(loader.load(datasets_dir / "bitext"))
    assert loader.report.problems == []
    return loaded


def _write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "bitext.csv"
    path.write_bytes(("\r\n".join((HEADER, *rows)) + "\r\n").encode("utf-8"))
    return path


def _row(instruction: str = "cancel order 12", response: str = "Sure.", start: str = "") -> str:
    return (
        f"customer support,virtual assistant,{instruction},cancel_order,,,{start},,"
        f'ORDER,BL,"{response}"'
    )


def test_real_counts(conversations: list[Conversation]) -> None:
    assert len(conversations) == 4514
    assert len({c.labels["intent"] for c in conversations}) == 27
    categories = Counter(c.labels["category"] for c in conversations)
    assert set(categories) == {
        "ACCOUNT",
        "ORDER",
        "REFUND",
        "DELIVERY",
        "INVOICE",
        "FEEDBACK",
        "PAYMENT",
        "CONTACT",
        "SHIPPING_ADDRESS",
        "CANCELLATION_FEE",
        "NEWSLETTER",
    }
    assert categories["ACCOUNT"] == 1041
    per_intent = Counter(c.labels["intent"] for c in conversations)
    assert min(per_intent.values()) >= 139
    assert max(per_intent.values()) == 204


def test_real_turns_and_labels(conversations: list[Conversation]) -> None:
    assert len({c.id for c in conversations}) == 4514
    assert conversations[0].id == "row-2"
    for conversation in conversations:
        customer, agent = conversation.turns
        assert customer.speaker is Speaker.CUSTOMER
        assert agent.speaker is Speaker.AGENT
        assert customer.intent == conversation.labels["intent"]
        assert agent.intent is None
        assert "\r" not in customer.text
        assert "\r" not in agent.text
        assert conversation.source == "bitext"
        assert conversation.channel == "chat"
        assert set(conversation.metadata) == {
            "tags",
            "entity_type",
            "entity_value",
            "start_offset",
            "end_offset",
        }
    first = conversations[0]
    assert first.turns[0].text == "how can I cancel purchase 113542617735902?"
    assert first.turns[1].text.count("\n") == 8
    assert first.metadata == {
        "tags": "BIL",
        "entity_type": "order_id",
        "entity_value": "113542617735902",
        "start_offset": 26,
        "end_offset": 41,
    }
    with_entity = [c for c in conversations if c.metadata["entity_type"] is not None]
    assert len(with_entity) == 1686
    assert all(isinstance(c.metadata["start_offset"], int) for c in with_entity)


def test_real_ids_point_at_the_first_line_of_each_record(datasets_dir: Path) -> None:
    file = datasets_dir / "bitext" / FILE_NAME
    loader = BitextLoader()
    by_id = {c.id: c for c in loader.load(file)}
    with file.open(encoding="utf-8", newline="") as handle:
        lines = handle.readlines()
    for line_number in (2, 11):
        assert lines[line_number - 1].startswith("customer support,")
        record = next(csv.reader([lines[line_number - 1]]))
        assert by_id[f"row-{line_number}"].turns[0].text == record[2]


def test_real_round_trip(conversations: list[Conversation]) -> None:
    for conversation in conversations:
        assert Conversation.from_json(conversation.to_json()) == conversation


def test_crlf_inside_quoted_response_becomes_newline(tmp_path: Path) -> None:
    path = _write(tmp_path, _row(response="Step 1.\r\nStep 2.\r\n\r\nDone."), _row())
    conversations = list(BitextLoader().load(path))
    assert conversations[0].turns[1].text == "Step 1.\nStep 2.\n\nDone."
    assert [c.id for c in conversations] == ["row-2", "row-6"]


def test_folder_path_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_text(HEADER + "\n" + _row() + "\n", encoding="utf-8")
    assert len(list(BitextLoader().load(tmp_path))) == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ParseError, match="no Bitext_Sample"):
        list(BitextLoader().load(empty))


def test_missing_column_fails_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("instruction,intent,category\nhi,greet,X\n", encoding="utf-8")
    with pytest.raises(ParseError) as info:
        list(BitextLoader().load(path))
    assert f"{path}:1" in str(info.value)
    assert "response" in str(info.value)


def test_broken_offset_fails_then_skips(tmp_path: Path) -> None:
    path = _write(tmp_path, _row(), _row(start="twelve"), _row(instruction="where is it"))
    with pytest.raises(ParseError) as info:
        list(BitextLoader(on_error="fail").load(path))
    assert f"{path}:3" in str(info.value)
    assert "start_offset" in str(info.value)

    loader = BitextLoader(on_error="skip")
    conversations = list(loader.load(path))
    assert [c.id for c in conversations] == ["row-2", "row-4"]
    assert [(p.line, "start_offset" in p.message) for p in loader.report.problems] == [(3, True)]


def test_empty_instruction_and_short_row_are_skipped(tmp_path: Path) -> None:
    short = "customer support,virtual assistant,hello,greet"
    path = _write(tmp_path, _row(instruction=""), short, _row())
    loader = BitextLoader(on_error="skip")
    conversations = list(loader.load(path))
    assert [c.id for c in conversations] == ["row-4"]
    assert [p.line for p in loader.report.problems] == [2, 3]
    assert "empty instruction" in loader.report.problems[0].message
    assert "fewer fields" in loader.report.problems[1].message
