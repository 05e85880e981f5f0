"""Deterministic, stratified, group-aware splits and k-folds."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path

import pytest

from colloquy.data.loaders.banking77 import Banking77Loader
from colloquy.data.splits import (
    Split,
    SplitName,
    ids_hash,
    kfold_split,
    split_conversations,
)
from colloquy.errors import DataError, ParseError, UsageError
from colloquy.schema import Conversation, Speaker, Turn

CLASS_SIZES = {"billing": 41, "cards": 23, "refund": 17, "login": 9, "fraud": 60}


def _conversation(
    cid: str, intent: str | None, *, metadata: dict[str, object] | None = None
) -> Conversation:
    return Conversation(
        id=cid,
        source="test",
        turns=(Turn(index=0, speaker=Speaker.CUSTOMER, text=f"text {cid}"),),
        metadata=metadata or {},
        labels={"intent": intent} if intent is not None else {},
    )


@pytest.fixture
def dataset() -> list[Conversation]:
    rng = random.Random(7)
    conversations = []
    for intent, size in CLASS_SIZES.items():
        for i in range(size):
            customer = f"cust-{rng.randrange(60)}"
            conversations.append(
                _conversation(f"{intent}-{i:03d}", intent, metadata={"customer_id": customer})
            )
    return conversations


def _class_counts(conversations: list[Conversation]) -> Counter[str]:
    return Counter(str(c.labels["intent"]) for c in conversations)


def _assert_stratified(
    split: Split, totals: Counter[str], fractions: Mapping[str, float] | Mapping[int, float]
) -> None:
    for name, fraction in fractions.items():
        counts = split.label_counts.get(name, {})
        for label, total in totals.items():
            assert abs(counts.get(label, 0) - fraction * total) < 1, (name, label)


# --------------------------------------------------------------------------- holdout


def test_every_conversation_is_assigned_once(dataset: list[Conversation]) -> None:
    split = split_conversations(dataset)
    assert len(split) == len(dataset)
    assert split.names == ("train", "validation", "test")
    assert sum(split.sizes().values()) == len(dataset)
    assert sorted(cid for name in split.names for cid in split.ids(name)) == sorted(
        c.id for c in dataset
    )


def test_same_seed_same_split_other_seed_differs(dataset: list[Conversation]) -> None:
    first = split_conversations(dataset, seed=3)
    again = split_conversations(dataset, seed=3)
    other = split_conversations(dataset, seed=4)
    assert first.assignment == again.assignment
    assert first.assignment != other.assignment


def test_input_order_does_not_matter(dataset: list[Conversation]) -> None:
    shuffled = list(dataset)
    random.Random(1).shuffle(shuffled)
    assert split_conversations(shuffled, seed=5) == split_conversations(dataset, seed=5)
    assert kfold_split(shuffled, k=4) == kfold_split(dataset, k=4)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize(
    "fractions",
    [
        {"train": 0.8, "validation": 0.1, "test": 0.1},
        {"train": 0.6, "validation": 0.25, "test": 0.15},
        {"train": 0.5, "test": 0.5},
    ],
)
def test_stratified_within_one_per_class(
    dataset: list[Conversation], seed: int, fractions: dict[str, float]
) -> None:
    split = split_conversations(dataset, fractions=fractions, seed=seed)
    _assert_stratified(split, _class_counts(dataset), fractions)


def test_without_label_key_sizes_follow_fractions(dataset: list[Conversation]) -> None:
    split = split_conversations(dataset, label_key=None, fractions={"a": 0.7, "b": 0.3})
    sizes = split.sizes()
    assert abs(sizes["a"] - 0.7 * len(dataset)) < 1
    assert split.label_counts["a"] == {"(unlabelled)": sizes["a"]}


def test_unlabelled_conversations_form_their_own_stratum() -> None:
    conversations = [_conversation(f"u{i}", None) for i in range(10)]
    conversations += [_conversation(f"l{i}", "x") for i in range(10)]
    split = split_conversations(conversations, fractions={"a": 0.5, "b": 0.5})
    assert split.label_counts["a"] == {"(unlabelled)": 5, "x": 5}


def test_groups_never_cross_splits(dataset: list[Conversation]) -> None:
    split = split_conversations(dataset, group_key="customer_id", seed=2)
    where: dict[object, set[SplitName]] = defaultdict(set)
    for conversation in dataset:
        where[conversation.metadata["customer_id"]].add(split.assignment[conversation.id])
    assert all(len(names) == 1 for names in where.values())
    sizes = split.sizes()
    assert sizes["train"] > sizes["validation"] > 0
    assert sizes["test"] > 0


def test_missing_group_key_means_a_group_of_one() -> None:
    conversations = [_conversation(f"c{i}", "x") for i in range(10)]
    conversations += [
        _conversation(f"g{i}", "x", metadata={"customer_id": "same"}) for i in range(3)
    ]
    split = split_conversations(
        conversations, group_key="customer_id", fractions={"a": 0.5, "b": 0.5}
    )
    assert len({split.assignment[f"g{i}"] for i in range(3)}) == 1


# --------------------------------------------------------------------------- k-fold


@pytest.mark.parametrize("k", [2, 3, 5])
def test_kfold_covers_everything_once(dataset: list[Conversation], k: int) -> None:
    split = kfold_split(dataset, k=k, seed=1)
    assert split.names == tuple(range(k))
    assert set(split.assignment.values()) == set(range(k))
    all_ids = sorted(c.id for c in dataset)
    held_out: list[str] = []
    for train, test in split.folds():
        assert not set(train) & set(test)
        assert sorted(train + test) == all_ids
        held_out += test
    assert sorted(held_out) == all_ids
    _assert_stratified(split, _class_counts(dataset), dict.fromkeys(range(k), 1 / k))


def test_group_kfold_keeps_groups_together(dataset: list[Conversation]) -> None:
    split = kfold_split(dataset, k=4, group_key="customer_id")
    where: dict[object, set[SplitName]] = defaultdict(set)
    for conversation in dataset:
        where[conversation.metadata["customer_id"]].add(split.assignment[conversation.id])
    assert all(len(folds) == 1 for folds in where.values())
    assert all(size > 0 for size in split.sizes().values())


def test_kfold_needs_enough_groups() -> None:
    conversations = [_conversation(f"c{i}", "x", metadata={"customer_id": "one"}) for i in range(9)]
    with pytest.raises(UsageError, match="groups"):
        kfold_split(conversations, k=3, group_key="customer_id")
    with pytest.raises(UsageError):
        kfold_split(conversations, k=1)


def test_folds_only_for_kfold(dataset: list[Conversation]) -> None:
    with pytest.raises(UsageError):
        next(split_conversations(dataset).folds())


# --------------------------------------------------------------------------- persistence


@pytest.mark.parametrize("kind", ["holdout", "kfold"])
def test_save_load_round_trip(dataset: list[Conversation], tmp_path: Path, kind: str) -> None:
    if kind == "holdout":
        split = split_conversations(dataset, seed=9, group_key="customer_id")
    else:
        split = kfold_split(dataset, k=3, seed=9)
    path = split.save(tmp_path / "nested" / "split.json")
    loaded = Split.load(path)
    assert loaded == split
    assert loaded.params == split.params
    assert loaded.label_counts == split.label_counts
    assert loaded.names == split.names
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["ids_sha256"] == ids_hash(c.id for c in dataset)
    assert data["params"]["seed"] == 9
    assert sum(s["size"] for s in data["splits"]) == len(dataset)


def test_verify_checks_the_ids(dataset: list[Conversation]) -> None:
    split = split_conversations(dataset)
    split.verify(reversed([c.id for c in dataset]))
    with pytest.raises(DataError, match="do not match"):
        split.verify([c.id for c in dataset[1:]])


def test_tampered_or_broken_file_is_refused(dataset: list[Conversation], tmp_path: Path) -> None:
    path = split_conversations(dataset).save(tmp_path / "split.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    data["assignment"]["extra-id"] = "train"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ParseError, match="ids_sha256"):
        Split.load(path)
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ParseError, match="JSON"):
        Split.load(path)
    with pytest.raises(ParseError, match="not found"):
        Split.load(tmp_path / "missing.json")


def test_select_streams_one_split(dataset: list[Conversation]) -> None:
    split = split_conversations(dataset)
    selected = [c.id for c in split.select(dataset, "validation")]
    assert sorted(selected) == split.ids("validation")
    with pytest.raises(UsageError):
        split.ids("nope")


def test_table_rows(dataset: list[Conversation]) -> None:
    rows = split_conversations(dataset).to_table_rows()
    assert [r[0] for r in rows] == ["train", "validation", "test"]
    assert rows[0][2] == str(len(CLASS_SIZES))


# --------------------------------------------------------------------------- official splits


def test_official_test_is_kept_and_validation_carved_from_train(
    dataset: list[Conversation],
) -> None:
    official = [
        c.model_copy(update={"labels": {**c.labels, "split": "test" if i % 4 == 0 else "train"}})
        for i, c in enumerate(dataset)
    ]
    split = split_conversations(official, official_key="split", seed=1)
    assert split.names == ("train", "validation", "test")
    for conversation in official:
        name = split.assignment[conversation.id]
        if conversation.labels["split"] == "test":
            assert name == "test"
        else:
            assert name in ("train", "validation")
    train_part = [c for c in official if c.labels["split"] == "train"]
    _assert_stratified(split, _class_counts(train_part), {"train": 0.9, "validation": 0.1})


def test_official_split_names_must_not_clash(dataset: list[Conversation]) -> None:
    official = [c.model_copy(update={"labels": {**c.labels, "split": "test"}}) for c in dataset[:5]]
    official += [
        c.model_copy(update={"labels": {**c.labels, "split": "train"}}) for c in dataset[5:]
    ]
    with pytest.raises(UsageError, match="official"):
        split_conversations(
            official, official_key="split", fractions={"train": 0.8, "validation": 0.1, "test": 0.1}
        )


def test_missing_official_label_is_an_error(dataset: list[Conversation]) -> None:
    with pytest.raises(DataError, match="split"):
        split_conversations(dataset, official_key="split")


def test_bad_arguments(dataset: list[Conversation]) -> None:
    with pytest.raises(UsageError, match="add up"):
        split_conversations(dataset, fractions={"train": 0.8, "test": 0.1})
    with pytest.raises(UsageError, match="positive"):
        split_conversations(dataset, fractions={"train": 1.0, "test": 0.0})
    with pytest.raises(DataError, match="twice"):
        split_conversations([*dataset, dataset[0]])


def test_banking77_official_split(datasets_dir: Path) -> None:
    conversations = list(Banking77Loader().load(datasets_dir / "banking77"))
    split = split_conversations(conversations, official_key="split", seed=0)
    sizes = split.sizes()
    assert sizes["test"] == 3_080
    assert sizes["train"] + sizes["validation"] == 10_003
    assert abs(sizes["validation"] - 1_000) <= 5
    official = {c.id: c.labels["split"] for c in conversations}
    assert all(official[cid] == "train" for cid in split.ids("validation"))
    assert split.ids("test") == sorted(cid for cid, s in official.items() if s == "test")
    train_part = [c for c in conversations if c.labels["split"] == "train"]
    _assert_stratified(split, _class_counts(train_part), {"train": 0.9, "validation": 0.1})
    assert len(split.label_counts["validation"]) == 77
    assert set(split.label_counts["test"].values()) == {40}
    folds = kfold_split(conversations, k=5, official_key="split")
    assert folds.sizes()["test"] == 3_080
    assert all(abs(folds.sizes()[i] - 10_003 / 5) <= 3 for i in range(5))


def test_a_json_file_that_is_not_a_split_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ParseError, match="JSON object"):
        Split.load(path)
    path.write_text('{"format": "something-else"}', encoding="utf-8")
    with pytest.raises(ParseError, match="format"):
        Split.load(path)


# --------------------------------------------------------------------------- missing keys


def test_a_group_key_no_conversation_has_lists_the_keys_that_exist(
    dataset: list[Conversation],
) -> None:
    with pytest.raises(DataError) as excinfo:
        split_conversations(dataset, group_key="customer")
    message = str(excinfo.value)
    assert "'customer'" in message
    assert "metadata keys that exist: customer_id" in message
    with pytest.raises(DataError, match="'customer'"):
        kfold_split(dataset, k=3, group_key="customer")


def test_a_label_key_no_conversation_has_lists_the_keys_that_exist(
    dataset: list[Conversation],
) -> None:
    with pytest.raises(DataError) as excinfo:
        split_conversations(dataset, label_key="intnet")
    message = str(excinfo.value)
    assert "'intnet'" in message
    assert "label keys that exist: intent" in message
    with pytest.raises(DataError, match="have no label keys at all"):
        kfold_split([_conversation(f"c{i}", None) for i in range(6)], k=2, label_key="topic")


def test_a_key_some_conversations_have_is_accepted(dataset: list[Conversation]) -> None:
    dataset[0] = _conversation("odd", "billing", metadata={"account": "a1"})
    split = split_conversations(dataset, group_key="account", seed=1)
    assert len(split) == len(dataset)


def test_data_without_intents_is_split_unstratified_by_default() -> None:
    conversations = [_conversation(f"c{i}", None) for i in range(20)]
    split = split_conversations(conversations, fractions={"a": 0.5, "b": 0.5})
    assert split.sizes() == {"a": 10, "b": 10}
