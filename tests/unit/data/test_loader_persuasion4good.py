"""The PersuasionForGood loader on the real 1,017 dialogues and on small malformed folders."""

from __future__ import annotations

import statistics
from collections import Counter
from pathlib import Path

import pytest
from tests.p4g_fields import TRAITS

from colloquy.data.loaders.persuasion4good import Persuasion4GoodLoader, parse_value
from colloquy.errors import ParseError
from colloquy.schema import Conversation, Speaker

INFO_HEADER = "B2,B3,B4,B6,B7," + ",".join(f"{t}.x" for t in ("extrovert", "age", "sex"))
DIALOG_HEADER = ",Unit,Turn,B4,B2"


@pytest.fixture(scope="module")
def loader_and_conversations(
    datasets_dir: Path,
) -> tuple[Persuasion4GoodLoader, list[Conversation]]:
    loader = Persuasion4GoodLoader()
    return loader, list(loader.load(datasets_dir / "persuasion4good"))


@pytest.fixture(scope="module")
def conversations(
    loader_and_conversations: tuple[Persuasion4GoodLoader, list[Conversation]],
) -> list[Conversation]:
    return loader_and_conversations[1]


def _folder(tmp_path: Path, dialog: list[str], info: list[str]) -> Path:
    full = tmp_path / "p4g" / "FullData"
    full.mkdir(parents=True)
    (full / "full_dialog.csv").write_text("\n".join(dialog) + "\n", encoding="utf-8")
    (full / "full_info.csv").write_text("\n".join(info) + "\n", encoding="utf-8")
    return full.parent


def _info(dialogue: str, donation: str = "0.5") -> list[str]:
    return [
        f"{dialogue},user_a,0,0.0,2,3.2,34.0,Male",
        f"{dialogue},user_b,1,{donation},2,,NA,Female",
    ]


GOOD_DIALOG = [
    DIALOG_HEADER,
    "0,Hello there.,0,0,d1",
    "1,Have you heard of Save the Children?,0,0,d1",
    "2,Hi!,0,1,d1",
    "3,Please donate.,1,0,d1",
    "0,Good morning,0,0,d2",
    "1,Morning.,0,1,d2",
]


def test_real_counts(
    loader_and_conversations: tuple[Persuasion4GoodLoader, list[Conversation]],
) -> None:
    loader, conversations = loader_and_conversations
    assert loader.report.problems == []
    assert len(conversations) == 1017
    assert len({c.id for c in conversations}) == 1017
    assert loader.report.turns == 20932
    donated = [c for c in conversations if c.labels["donated"]]
    assert len(donated) == 545
    donations = [
        c.outcome.value for c in conversations if c.outcome and c.outcome.value is not None
    ]
    assert len(donations) == 1017
    assert statistics.mean(donations) == pytest.approx(2.1707, abs=1e-4)
    assert sum(donations) == pytest.approx(2207.63)
    assert max(donations) == 700.0


def test_real_speakers_and_turn_numbers(conversations: list[Conversation]) -> None:
    speakers = Counter(t.speaker for c in conversations for t in c.turns)
    assert speakers == {Speaker.AGENT: 10600, Speaker.CUSTOMER: 10332}
    for conversation in conversations:
        assert conversation.turns[0].speaker is Speaker.AGENT
        assert conversation.turns[0].extra == {"turn": 0}
        for turn in conversation.turns:
            expected_id = "persuader" if turn.speaker is Speaker.AGENT else "persuadee"
            assert turn.speaker_id == expected_id
    first = conversations[0]
    assert first.id == "20180904-045349_715_live"
    assert first.source == "persuasion4good"
    assert first.channel == "chat"
    assert first.turns[1].text == "Hi. I am doing good. How about you?"
    assert first.turns[2].text == "I'm doing pretty good for a Tuesday morning."
    assert [t.extra["turn"] for t in first.turns[:4]] == [0, 0, 1, 1]


def test_real_metadata_is_the_persuadee_row(conversations: list[Conversation]) -> None:
    for conversation in conversations:
        assert set(conversation.metadata) == {*TRAITS, "persuadee_id", "persuader_id"}
        assert conversation.outcome is not None
        assert conversation.outcome.converted == conversation.labels["donated"]
    first = conversations[0].metadata
    assert first["persuadee_id"] == "user_1810"
    assert first["persuader_id"] == "user_585"
    assert first["age"] == 50.0
    assert first["loyalty"] == pytest.approx(2.333333333)
    assert first["sex"] == "Female"
    assert first["ideology"] == "Conservative"
    missing_traits = [c for c in conversations if c.metadata["extrovert"] is None]
    assert missing_traits, "some persuadees skipped the questionnaire"


def test_real_round_trip(conversations: list[Conversation]) -> None:
    for conversation in conversations:
        assert Conversation.from_json(conversation.to_json()) == conversation


def test_parse_value() -> None:
    assert parse_value("3.5") == 3.5
    assert parse_value(" Male ") == "Male"
    assert parse_value("") is None
    assert parse_value("NA") is None
    assert parse_value(None) is None
    assert parse_value("inf") == "inf"


def test_units_with_same_turn_and_role_are_joined(tmp_path: Path) -> None:
    path = _folder(tmp_path, GOOD_DIALOG, [INFO_HEADER, *_info("d1"), *_info("d2", "0.0")])
    loader = Persuasion4GoodLoader()
    d1, d2 = loader.load(path)
    assert [t.text for t in d1.turns] == [
        "Hello there. Have you heard of Save the Children?",
        "Hi!",
        "Please donate.",
    ]
    assert [t.speaker for t in d1.turns] == [Speaker.AGENT, Speaker.CUSTOMER, Speaker.AGENT]
    assert [t.extra["turn"] for t in d1.turns] == [0, 0, 1]
    assert d1.outcome is not None
    assert (d1.outcome.converted, d1.outcome.value) == (True, 0.5)
    assert d1.metadata == {
        "extrovert": None,
        "age": None,
        "sex": "Female",
        "persuadee_id": "user_b",
        "persuader_id": "user_a",
    }
    assert d2.labels == {"donated": False}
    assert loader.report.files == [
        str(path / "FullData" / f) for f in ("full_info.csv", "full_dialog.csv")
    ]


def test_missing_file_fails(tmp_path: Path) -> None:
    path = _folder(tmp_path, GOOD_DIALOG, [INFO_HEADER])
    (path / "FullData" / "full_info.csv").unlink()
    with pytest.raises(ParseError, match=r"full_info\.csv"):
        list(Persuasion4GoodLoader().load(path))
    loader = Persuasion4GoodLoader(on_error="skip")
    assert list(loader.load(path)) == []
    assert len(loader.report.problems) == 1


def test_missing_column_fails_at_line_1(tmp_path: Path) -> None:
    path = _folder(tmp_path, [",Unit,B4,B2", "0,Hi,0,d1"], [INFO_HEADER, *_info("d1")])
    with pytest.raises(ParseError) as info:
        list(Persuasion4GoodLoader().load(path))
    assert f"{path / 'FullData' / 'full_dialog.csv'}:1" in str(info.value)
    assert "Turn" in str(info.value)


def test_broken_turn_number_fails_then_skips(tmp_path: Path) -> None:
    dialog = [*GOOD_DIALOG[:3], "2,Hi!,zero,1,d1", *GOOD_DIALOG[4:]]
    path = _folder(tmp_path, dialog, [INFO_HEADER, *_info("d1"), *_info("d2")])
    with pytest.raises(ParseError) as info:
        list(Persuasion4GoodLoader().load(path))
    assert f"{path / 'FullData' / 'full_dialog.csv'}:4" in str(info.value)
    assert "Turn must be an integer" in str(info.value)

    loader = Persuasion4GoodLoader(on_error="skip")
    d1, d2 = loader.load(path)
    assert [t.text for t in d1.turns][1:] == ["Please donate."]
    assert d2.id == "d2"
    assert [p.line for p in loader.report.problems] == [4]


def test_dialogue_without_info_row_is_a_problem(tmp_path: Path) -> None:
    path = _folder(tmp_path, GOOD_DIALOG, [INFO_HEADER, *_info("d2")])
    with pytest.raises(ParseError, match="d1 has no usable persuadee row"):
        list(Persuasion4GoodLoader().load(path))
    loader = Persuasion4GoodLoader(on_error="skip")
    assert [c.id for c in loader.load(path)] == ["d2"]
    (problem,) = loader.report.problems
    assert problem.line == 2


def test_broken_donation_is_reported_in_info_file(tmp_path: Path) -> None:
    path = _folder(tmp_path, GOOD_DIALOG, [INFO_HEADER, *_info("d1", "lots"), *_info("d2")])
    with pytest.raises(ParseError) as info:
        list(Persuasion4GoodLoader().load(path))
    assert f"{path / 'FullData' / 'full_info.csv'}:3" in str(info.value)
    loader = Persuasion4GoodLoader(on_error="skip")
    assert [c.id for c in loader.load(path)] == ["d2"]
    assert [p.line for p in loader.report.problems] == [3, 2]


def test_missing_persuader_row_leaves_persuader_id_empty(tmp_path: Path) -> None:
    path = _folder(tmp_path, GOOD_DIALOG[:5], [INFO_HEADER, _info("d1")[1]])
    (conversation,) = Persuasion4GoodLoader().load(path)
    assert conversation.metadata["persuader_id"] is None


def test_non_contiguous_dialogue_is_reported_not_split(tmp_path: Path) -> None:
    dialog = [*GOOD_DIALOG, "4,Thanks!,1,1,d1"]
    path = _folder(tmp_path, dialog, [INFO_HEADER, *_info("d1"), *_info("d2")])
    with pytest.raises(ParseError, match="d1 reappears"):
        list(Persuasion4GoodLoader().load(path))
    loader = Persuasion4GoodLoader(on_error="skip")
    assert [c.id for c in loader.load(path)] == ["d1", "d2"]
    (problem,) = loader.report.problems
    assert problem.line == 8
    assert "rows start at line 2" in problem.message
