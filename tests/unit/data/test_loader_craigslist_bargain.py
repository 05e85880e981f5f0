"""The CraigslistBargain loader on the real 643 dev dialogues and on small malformed files."""

from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from colloquy.data.loaders.craigslist_bargain import (
    CraigslistBargainLoader,
    DealQuality,
    deal_quality,
)
from colloquy.errors import ParseError
from colloquy.schema import Conversation, DialogueAct, Outcome, Speaker
from colloquy.schema.conversation import EVENT_KEY


@pytest.fixture(scope="module")
def conversations(datasets_dir: Path) -> list[Conversation]:
    loader = CraigslistBargainLoader()
    loaded = list(loader.load(datasets_dir / "craigslist_bargain"))
    assert loader.report.problems == []
    assert loader.report.files == [str(datasets_dir / "craigslist_bargain" / "dev.json")]
    return loaded


def _kb(role: str, target: int, description: list[str]) -> dict[str, Any]:
    return {
        "personal": {"Role": role, "Target": target, "Bottomline": None},
        "item": {
            "Category": "bike",
            "Price": 200,
            "Title": "Road bike",
            "Description": description,
            "Images": [],
        },
    }


DIALOGUE: dict[str, Any] = {
    "uuid": "C_1",
    "scenario_uuid": "S_1",
    "agents": {"0": "human", "1": "human"},
    "scenario": {
        "category": "bike",
        "post_id": "42",
        "kbs": [_kb("seller", 200, ["Fast.", "Red."]), _kb("buyer", 150, ["Fast."])],
        "attributes": [],
    },
    "events": [
        {"agent": 1, "action": "message", "data": "150?", "time": "100.5", "start_time": "99"},
        {"agent": 0, "action": "message", "data": "180.", "time": "110", "start_time": None},
        {"agent": 1, "action": "offer", "data": {"price": 180.0, "sides": ""}, "time": "120"},
        {"agent": 0, "action": "accept", "data": None, "time": "121", "start_time": None},
    ],
    "outcome": {"reward": 1, "offer": {"price": 180.0, "sides": ""}},
}


def _dialogue(uuid: str = "C_1", **changes: Any) -> dict[str, Any]:
    dialogue = copy.deepcopy(DIALOGUE)
    dialogue.update(uuid=uuid, **changes)
    return dialogue


def _write(tmp_path: Path, data: object, name: str = "dev.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def test_real_counts(conversations: list[Conversation]) -> None:
    assert len(conversations) == 643
    assert len({c.id for c in conversations}) == 643
    assert sum(c.labels["deal"] is True for c in conversations) == 461
    assert Counter(c.labels["category"] for c in conversations) == {
        "furniture": 179,
        "housing": 148,
        "bike": 94,
        "car": 85,
        "electronics": 76,
        "phone": 61,
    }
    kinds = Counter(t.extra.get(EVENT_KEY, "message") for c in conversations for t in c.turns)
    assert kinds == {"message": 4695, "offer": 557, "accept": 467, "reject": 65, "quit": 57}
    assert sum(len(c.turns) for c in conversations) == 5841


def test_real_events_are_structured_and_textless(conversations: list[Conversation]) -> None:
    acts = {"offer": "OFFER", "accept": "ACCEPT", "reject": "REJECT", "quit": "QUIT"}
    null_price_offers = 0
    for conversation in conversations:
        for turn in conversation.turns:
            if EVENT_KEY not in turn.extra:
                assert turn.dialogue_acts == ()
                assert turn.extra == {}
                continue
            (act,) = turn.dialogue_acts
            assert turn.text == ""
            assert act.act == acts[turn.extra[EVENT_KEY]]
            if act.act == "OFFER":
                assert act.slot == "price"
                (price,) = act.values
                null_price_offers += price is None
    assert null_price_offers == 2


def test_real_speakers_follow_kb_roles(conversations: list[Conversation]) -> None:
    for conversation in conversations:
        assert conversation.channel == "negotiation"
        assert conversation.source == "craigslist_bargain"
        assert conversation.started_at is not None
        for turn in conversation.turns:
            expected = Speaker.CUSTOMER if turn.speaker_id == "buyer" else Speaker.AGENT
            assert turn.speaker_id in {"buyer", "seller"}
            assert turn.speaker is expected
            assert turn.timestamp is not None
    first = conversations[0]
    assert first.id == "C_91d39147df0946bfa0278f0286421796"
    assert first.turns[0].speaker is Speaker.CUSTOMER
    assert first.turns[0].text == "hi there"
    assert first.turns[0].timestamp == datetime.fromtimestamp(1496341531.17, tz=UTC)
    assert first.turns[8].dialogue_acts == (
        DialogueAct(act="OFFER", slot="price", values=(243.0,)),
    )
    assert first.turns[8].speaker is Speaker.AGENT


def test_real_metadata_and_outcome(conversations: list[Conversation]) -> None:
    for conversation in conversations:
        assert {
            "category",
            "listing_price",
            "title",
            "description",
            "buyer_target",
            "seller_target",
        } <= set(conversation.metadata)
        assert conversation.metadata["category"] == conversation.labels["category"]
        assert conversation.outcome is not None
        assert conversation.outcome.converted is conversation.labels["deal"]
    first = conversations[0]
    assert first.metadata["listing_price"] == 265.0
    assert first.metadata["title"] == "GoPro Hero4 Black + Battery BacPac"
    assert first.metadata["buyer_target"] == 243.0
    assert first.metadata["seller_target"] == 265.0
    assert str(first.metadata["description"]).endswith("in new or like new condition.")
    assert first.outcome == Outcome(
        converted=True, value=243.0, notes="agreed price 243 is 0.917 of the listing price 265"
    )
    without_price = [c for c in conversations if c.outcome and c.outcome.value is None]
    assert len(without_price) == 120
    assert all(not c.labels["deal"] for c in without_price)


def test_real_deal_quality(conversations: list[Conversation]) -> None:
    qualities = [q for c in conversations if (q := deal_quality(c)) is not None]
    assert len(qualities) == 461
    first = deal_quality(conversations[0])
    assert first is not None
    assert (first.price, first.target_position) == (243.0, 0.0)
    assert first.listing_ratio == pytest.approx(243 / 265)


def test_real_round_trip(conversations: list[Conversation]) -> None:
    for conversation in conversations:
        assert Conversation.from_json(conversation.to_json()) == conversation


def test_small_dialogue(tmp_path: Path) -> None:
    path = _write(tmp_path, [DIALOGUE])
    (conversation,) = CraigslistBargainLoader().load(path)
    assert [t.speaker_id for t in conversation.turns] == ["buyer", "seller", "buyer", "seller"]
    assert conversation.started_at == datetime.fromtimestamp(99, tz=UTC)
    assert conversation.metadata["description"] == "Fast.\nRed."
    assert conversation.metadata["split"] == "dev"
    assert "buyer_bottomline" not in conversation.metadata
    assert conversation.labels == {"deal": True, "category": "bike"}
    assert deal_quality(conversation) == DealQuality(
        price=180.0, listing_ratio=0.9, target_position=0.6
    )


def test_bottomlines_kept_when_present(tmp_path: Path) -> None:
    dialogue = _dialogue()
    dialogue["scenario"]["kbs"][0]["personal"]["Bottomline"] = 170
    (conversation,) = CraigslistBargainLoader().load(_write(tmp_path, [dialogue]))
    assert conversation.metadata["seller_bottomline"] == 170.0
    assert "buyer_bottomline" not in conversation.metadata


def test_no_deal_has_no_quality(tmp_path: Path) -> None:
    dialogue = _dialogue(outcome={"reward": 0, "offer": None})
    (conversation,) = CraigslistBargainLoader().load(_write(tmp_path, [dialogue]))
    assert conversation.outcome == Outcome(converted=False, value=None, notes=None)
    assert deal_quality(conversation) is None


def test_invalid_json_fails_with_line(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    path.write_text('[\n  {"uuid": "C_1",\n  oops\n]\n', encoding="utf-8")
    with pytest.raises(ParseError) as info:
        list(CraigslistBargainLoader().load(path))
    assert f"{path}:3" in str(info.value)
    assert "invalid JSON" in str(info.value)
    loader = CraigslistBargainLoader(on_error="skip")
    assert list(loader.load(path)) == []
    assert [p.line for p in loader.report.problems] == [3]


def test_not_a_list_and_missing_files(tmp_path: Path) -> None:
    path = _write(tmp_path, {"uuid": "C_1"})
    with pytest.raises(ParseError, match="expected a JSON list"):
        list(CraigslistBargainLoader().load(path))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ParseError, match=r"no train\.json, dev\.json, test\.json"):
        list(CraigslistBargainLoader().load(empty))


def test_bad_dialogues_fail_then_skip(tmp_path: Path) -> None:
    unknown_action = _dialogue("C_2")
    unknown_action["events"][1]["action"] = "haggle"
    broken_price = _dialogue("C_3")
    broken_price["events"][2]["data"]["price"] = "cheap"
    no_outcome = _dialogue("C_4", outcome=None)
    data = [_dialogue("C_1"), unknown_action, broken_price, no_outcome, _dialogue("C_5")]
    path = _write(tmp_path, data)

    with pytest.raises(ParseError) as info:
        list(CraigslistBargainLoader().load(path))
    assert str(path) in str(info.value)
    assert "dialogue #1 (uuid C_2): event 1: unknown action 'haggle'" in str(info.value)

    loader = CraigslistBargainLoader(on_error="skip")
    assert [c.id for c in loader.load(path)] == ["C_1", "C_5"]
    messages = [p.message for p in loader.report.problems]
    assert len(messages) == 3
    assert "offer price must be a number" in messages[1]
    assert "outcome must be an object" in messages[2]


def test_folder_reads_every_split_present(tmp_path: Path) -> None:
    _write(tmp_path, [_dialogue("C_dev")], "dev.json")
    _write(tmp_path, [_dialogue("C_train")], "train.json")
    loader = CraigslistBargainLoader()
    conversations = list(loader.load(tmp_path))
    assert [(c.id, c.metadata["split"]) for c in conversations] == [
        ("C_train", "train"),
        ("C_dev", "dev"),
    ]
