"""SGD loader on the real partial copy (counts from its README) and on broken files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from colloquy.data.loaders.sgd import SGDLoader, load_schemas
from colloquy.errors import NotFoundError, ParseError
from colloquy.schema import Conversation, Speaker

# split → (dialogues, user turns, services in schema.json), from datasets/sgd/README.md
EXPECTED = {"train": (742, 4978, 26), "dev": (384, 2653, 17), "test": (384, 2235, 21)}


@pytest.fixture(scope="module")
def sgd_dir(datasets_dir: Path) -> Path:
    return datasets_dir / "sgd"


@pytest.fixture(scope="module")
def conversations(sgd_dir: Path) -> list[Conversation]:
    return list(SGDLoader().load(sgd_dir))


def test_counts_per_split_match_readme(conversations: list[Conversation]) -> None:
    dialogues: Counter[str] = Counter()
    user_turns: Counter[str] = Counter()
    for conversation in conversations:
        split = conversation.labels["split"]
        dialogues[split] += 1
        user_turns[split] += len(conversation.customer_turns())
    assert dialogues == {split: counts[0] for split, counts in EXPECTED.items()}
    assert user_turns == {split: counts[1] for split, counts in EXPECTED.items()}
    assert len(conversations) == 1510


def test_ids_are_unique_and_prefixed_by_split(conversations: list[Conversation]) -> None:
    ids = [c.id for c in conversations]
    assert len(set(ids)) == len(ids)
    assert all(c.id.startswith(f"{c.labels['split']}/") for c in conversations)
    assert "train/15_00000" in ids
    assert "dev/1_00000" in ids


def test_report_counts_files_and_turns(sgd_dir: Path) -> None:
    loader = SGDLoader()
    total = sum(1 for _ in loader.load(sgd_dir))
    assert total == loader.report.conversations == 1510
    assert loader.report.turns == 19732
    assert loader.report.problems == []
    assert sum(f.endswith("schema.json") for f in loader.report.files) == 3
    assert sum("dialogues_" in f for f in loader.report.files) == 12


@pytest.mark.parametrize("split", sorted(EXPECTED))
def test_split_folder_loads_only_that_split(sgd_dir: Path, split: str) -> None:
    loaded = list(SGDLoader().load(sgd_dir / split))
    assert len(loaded) == EXPECTED[split][0]
    assert sum(len(c.customer_turns()) for c in loaded) == EXPECTED[split][1]
    assert {c.labels["split"] for c in loaded} == {split}


def test_single_file(sgd_dir: Path) -> None:
    file = sgd_dir / "train" / "dialogues_015.json"
    loaded = list(SGDLoader().load(file))
    assert len(loaded) == len(json.loads(file.read_text(encoding="utf-8")))
    assert loaded[0].id == "train/15_00000"


def test_conversation_fields(conversations: list[Conversation]) -> None:
    first = next(c for c in conversations if c.id == "train/15_00000")
    assert first.source == "sgd"
    assert first.channel == "task"
    assert first.labels == {"split": "train", "services": ["Events_1"]}
    [service] = first.metadata["services"]
    assert service["name"] == "Events_1"
    assert "BuyEventTickets" in service["intents"]
    opening = first.turns[0]
    assert opening.speaker is Speaker.CUSTOMER
    assert opening.intent == "BuyEventTickets"
    assert opening.dialogue_acts[0].act == "INFORM_INTENT"
    assert opening.dialogue_acts[0].values == ("BuyEventTickets",)
    assert opening.extra["frames"][0]["service"] == "Events_1"
    reply = first.turns[1]
    assert reply.speaker is Speaker.BOT
    assert reply.intent is None
    assert reply.dialogue_acts[0].act == "REQUEST"
    assert reply.dialogue_acts[0].slot == "city_of_event"
    assert reply.dialogue_acts[0].values == ()


def test_speakers_alternate_user_then_system(conversations: list[Conversation]) -> None:
    for conversation in conversations:
        expected = [Speaker.CUSTOMER, Speaker.BOT] * (len(conversation.turns) // 2 + 1)
        assert [t.speaker for t in conversation.turns] == expected[: len(conversation.turns)]


def test_dialogue_acts_include_notifications(conversations: list[Conversation]) -> None:
    acts = {a.act for c in conversations for t in c.turns for a in t.dialogue_acts}
    assert {"NOTIFY_FAILURE", "NOTIFY_SUCCESS", "INFORM", "REQUEST", "OFFER"} <= acts
    empty_slots = [
        a for c in conversations for t in c.turns for a in t.dialogue_acts if a.slot == ""
    ]
    assert empty_slots == []


def test_user_intent_is_first_active_intent(conversations: list[Conversation]) -> None:
    for conversation in conversations:
        for turn in conversation.turns:
            actives = [
                f["active_intent"]
                for f in turn.extra["frames"]
                if f.get("active_intent") not in (None, "NONE")
            ]
            assert turn.intent == (actives[0] if actives else None)
            if turn.speaker is Speaker.BOT:
                assert turn.intent is None


def test_frames_keep_service_calls(conversations: list[Conversation]) -> None:
    frames = [f for c in conversations for t in c.turns for f in t.extra["frames"]]
    calls = [f for f in frames if "service_call" in f]
    assert len(calls) == 2631
    assert all(f["service_call"]["method"] for f in calls)
    assert all(isinstance(f["service_results_count"], int) for f in calls)
    small = [f for f in calls if "service_results" in f]
    assert small
    assert all(len(f["service_results"]) == f["service_results_count"] <= 3 for f in small)
    user_frames = [f for c in conversations for t in c.customer_turns() for f in t.extra["frames"]]
    assert all({"active_intent", "requested_slots", "slot_values"} <= set(f) for f in user_frames)


def test_every_conversation_round_trips_through_json(conversations: list[Conversation]) -> None:
    for conversation in conversations:
        assert Conversation.from_json(conversation.to_json()) == conversation


@pytest.mark.parametrize("split", sorted(EXPECTED))
def test_schemas_per_split(sgd_dir: Path, split: str) -> None:
    schemas = load_schemas(sgd_dir / split)
    assert len(schemas) == EXPECTED[split][2]
    assert len(load_schemas(sgd_dir / split / "schema.json")) == EXPECTED[split][2]


def test_schema_contents(sgd_dir: Path) -> None:
    schemas = load_schemas(sgd_dir / "train")
    bank = schemas["Banks_1"]
    assert bank.is_transactional
    transfer = bank.intent("TransferMoney")
    assert transfer is not None
    assert transfer.is_transactional
    assert transfer.required_slots == ("account_type", "amount", "recipient_account_name")
    assert transfer.optional_slots == {"recipient_account_type": "checking"}
    balance = bank.intent("CheckBalance")
    assert balance is not None
    assert not balance.is_transactional
    assert {slot.name for slot in bank.slots} >= {"account_type", "amount", "balance"}


def test_schemas_of_all_splits_are_merged_by_name(sgd_dir: Path) -> None:
    names: set[str] = set()
    for split in EXPECTED:
        services = json.loads((sgd_dir / split / "schema.json").read_text(encoding="utf-8"))
        names.update(s["service_name"] for s in services)
    assert set(load_schemas(sgd_dir)) == names


# --------------------------------------------------------------------------- bad input


def _dialogue(dialogue_id: str, speaker: str = "USER") -> dict[str, Any]:
    frame = {
        "service": "Demo_1",
        "slots": [],
        "actions": [{"act": "INFORM_INTENT", "slot": "intent", "values": ["Ask"]}],
        "state": {"active_intent": "Ask", "requested_slots": [], "slot_values": {}},
    }
    return {
        "dialogue_id": dialogue_id,
        "services": ["Demo_1"],
        "turns": [{"speaker": speaker, "utterance": "hello", "frames": [frame]}],
    }


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_broken_json_fails_with_file_and_line(tmp_path: Path) -> None:
    good = json.dumps(_dialogue("1_00000"), indent=1)
    file = _write(tmp_path / "train", "dialogues_001.json", f"[\n{good},\n{{oops\n]\n")
    with pytest.raises(ParseError) as caught:
        list(SGDLoader(on_error="fail").load(file))
    line = good.count("\n") + 3
    assert caught.value.line == line
    assert f"{file}:{line}" in str(caught.value)


def test_broken_json_is_skipped_after_earlier_dialogues(tmp_path: Path) -> None:
    good = json.dumps(_dialogue("1_00000"))
    _write(tmp_path / "train", "dialogues_001.json", f"[{good}, {{oops]")
    _write(tmp_path / "train", "dialogues_002.json", json.dumps([_dialogue("2_00000")]))
    loader = SGDLoader(on_error="skip")
    loaded = list(loader.load(tmp_path))
    assert [c.id for c in loaded] == ["train/1_00000", "train/2_00000"]
    [problem] = loader.report.problems
    assert problem.path.endswith("dialogues_001.json")
    assert problem.line == 1
    assert "invalid JSON" in problem.message


def test_unknown_speaker_skips_only_that_dialogue(tmp_path: Path) -> None:
    dialogues = [_dialogue("1_00000"), _dialogue("1_00001", speaker="ROBOT"), _dialogue("1_00002")]
    file = _write(tmp_path / "dev", "dialogues_001.json", json.dumps(dialogues, indent=2))
    loader = SGDLoader(on_error="skip")
    assert [c.id for c in loader.load(file)] == ["dev/1_00000", "dev/1_00002"]
    [problem] = loader.report.problems
    assert "1_00001" in problem.message
    assert "ROBOT" in problem.message
    assert problem.line is not None
    assert file.read_text(encoding="utf-8").splitlines()[problem.line - 1].strip() == "{"
    with pytest.raises(ParseError, match="unknown speaker"):
        list(SGDLoader(on_error="fail").load(file))


def test_missing_turns_and_non_list_file_are_problems(tmp_path: Path) -> None:
    broken = _dialogue("1_00000")
    del broken["turns"]
    _write(tmp_path / "test", "dialogues_001.json", json.dumps([broken]))
    _write(tmp_path / "test", "dialogues_002.json", json.dumps({"not": "a list"}))
    loader = SGDLoader(on_error="skip")
    assert list(loader.load(tmp_path / "test")) == []
    messages = [p.message for p in loader.report.problems]
    assert len(messages) == 2
    assert "1_00000" in messages[0]
    assert "expected a JSON list" in messages[1]


def test_folder_without_dialogues_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ParseError, match="no dialogues_"):
        list(SGDLoader().load(tmp_path / "empty"))


def test_missing_path_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        list(SGDLoader().load(tmp_path / "nowhere"))
    with pytest.raises(NotFoundError):
        load_schemas(tmp_path)


def test_broken_schema(tmp_path: Path) -> None:
    schema = _write(tmp_path / "train", "schema.json", '[\n{"service_name": \n')
    with pytest.raises(ParseError) as caught:
        load_schemas(schema)
    assert caught.value.line is not None
    assert str(schema) in str(caught.value)
    _write(tmp_path / "train", "dialogues_001.json", json.dumps([_dialogue("1_00000")]))
    loader = SGDLoader(on_error="skip")
    [loaded] = loader.load(tmp_path)
    assert loaded.metadata["services"][0]["description"] is None
    assert [p.path for p in loader.report.problems] == [str(schema)]
