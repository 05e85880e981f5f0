"""Outcome labelers, class balance and text augmentation."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator

import pytest

from colloquy.data.labeling import (
    AUGMENTERS,
    DealLabeler,
    DonatedLabeler,
    OutcomeLabeler,
    apply_labels,
    augment,
    class_balance,
    keyboard_typo,
    label_of,
    random_deletion,
    random_insertion,
    random_swap,
)
from colloquy.errors import UsageError
from colloquy.schema import Conversation, Outcome, Speaker, Turn


def _conversation(
    cid: str = "c1",
    *,
    outcome: Outcome | None = None,
    metadata: dict[str, object] | None = None,
    labels: dict[str, object] | None = None,
    intent: str | None = None,
) -> Conversation:
    return Conversation(
        id=cid,
        source="test",
        turns=(Turn(index=0, speaker=Speaker.CUSTOMER, text="hello there", intent=intent),),
        outcome=outcome,
        metadata=metadata or {},
        labels=labels or {},
    )


# --------------------------------------------------------------------------- label_of


def test_label_of_prefers_labels_then_turn_intent() -> None:
    assert label_of(_conversation(labels={"intent": "a"}, intent="b"), "intent") == "a"
    assert label_of(_conversation(intent="b"), "intent") == "b"
    assert label_of(_conversation(intent="b"), "topic") is None
    assert label_of(_conversation(labels={"donated": True}), "donated") == "true"
    assert label_of(_conversation(labels={"stars": 4}), "stars") == "4"


# --------------------------------------------------------------------------- labelers


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (None, None),
        (Outcome(), None),
        (Outcome(value=0.0), False),
        (Outcome(value=0.01), True),
        (Outcome(value=2.0, converted=False), True),
        (Outcome(converted=True), True),
        (Outcome(converted=False), False),
    ],
)
def test_donated_labeler(outcome: Outcome | None, expected: bool | None) -> None:
    assert DonatedLabeler().label(_conversation(outcome=outcome)) is expected


def test_donated_labeler_threshold() -> None:
    labeler = DonatedLabeler(threshold=1.0)
    assert labeler.label(_conversation(outcome=Outcome(value=1.0))) is False
    assert labeler.label(_conversation(outcome=Outcome(value=1.5))) is True


def test_deal_labeler_without_price_ratio() -> None:
    labeler = DealLabeler()
    assert labeler.label(_conversation(outcome=Outcome(converted=True))) is True
    assert labeler.label(_conversation(outcome=Outcome(converted=False, value=100))) is False
    assert labeler.label(_conversation(outcome=Outcome(value=100))) is None
    assert labeler.label(_conversation()) is None


@pytest.mark.parametrize(
    ("price", "metadata", "expected"),
    [
        (180.0, {"seller_target": 200}, True),
        (179.0, {"seller_target": 200}, False),
        (180.0, {"listing_price": 250}, False),
        (180.0, {"seller_target": 200, "listing_price": 250}, True),
        (180.0, {"seller_target": "200"}, True),
        (180.0, {}, None),
        (180.0, {"seller_target": None, "listing_price": 190}, True),
        (180.0, {"seller_target": "n/a"}, None),
        (180.0, {"seller_target": 0}, None),
        (None, {"seller_target": 200}, None),
    ],
)
def test_deal_labeler_with_price_ratio(
    price: float | None, metadata: dict[str, object], expected: bool | None
) -> None:
    conversation = _conversation(outcome=Outcome(converted=True, value=price), metadata=metadata)
    assert DealLabeler(min_price_ratio=0.9).label(conversation) is expected


def test_deal_labeler_no_deal_is_false_even_without_target() -> None:
    conversation = _conversation(outcome=Outcome(converted=False))
    assert DealLabeler(min_price_ratio=0.9).label(conversation) is False


def test_deal_labeler_custom_keys_and_validation() -> None:
    labeler = DealLabeler(min_price_ratio=1.0, target_keys=("ask",))
    conversation = _conversation(
        outcome=Outcome(converted=True, value=100), metadata={"ask": 100, "seller_target": 500}
    )
    assert labeler.label(conversation) is True
    with pytest.raises(UsageError):
        DealLabeler(min_price_ratio=0)
    with pytest.raises(UsageError):
        DealLabeler(target_keys=())


def test_labelers_satisfy_the_protocol() -> None:
    assert isinstance(DonatedLabeler(), OutcomeLabeler)
    assert isinstance(DealLabeler(), OutcomeLabeler)


def test_apply_labels_sets_the_key_without_touching_the_input() -> None:
    conversations = [
        _conversation("a", outcome=Outcome(value=3.0), labels={"split": "train"}),
        _conversation("b", outcome=Outcome(value=0.0)),
        _conversation("c", labels={"donated": True}),
    ]
    labelled = list(apply_labels(conversations, DonatedLabeler(), "donated"))
    assert [c.labels.get("donated") for c in labelled] == [True, False, None]
    assert labelled[0].labels == {"split": "train", "donated": True}
    assert "donated" not in labelled[2].labels
    assert conversations[0].labels == {"split": "train"}
    assert conversations[2].labels == {"donated": True}
    kept = list(apply_labels(conversations, DonatedLabeler(), "donated", drop_unlabelled=True))
    assert [c.id for c in kept] == ["a", "b"]


def test_apply_labels_streams() -> None:
    def endless() -> Iterator[Conversation]:
        i = 0
        while True:
            yield _conversation(str(i), outcome=Outcome(value=float(i % 2)))
            i += 1

    stream = apply_labels(endless(), DonatedLabeler(), "donated")
    first = [next(stream) for _ in range(3)]
    assert [c.labels["donated"] for c in first] == [False, True, False]


# --------------------------------------------------------------------------- balance


def test_class_balance() -> None:
    report = class_balance([True, True, True, True, False, None, None])
    assert report.counts == {True: 4, False: 1}
    assert report.shares == {True: 0.8, False: 0.2}
    assert report.imbalance_ratio == 4.0
    assert report.unlabelled == 2
    assert report.imbalanced
    assert report.to_dict()["counts"] == {"true": 4, "false": 1}
    assert not class_balance(["a", "a", "b"], warn_ratio=3.0).imbalanced


def test_class_balance_single_class_is_flagged() -> None:
    report = class_balance(["x", "x"])
    assert report.imbalance_ratio is None
    assert report.imbalanced
    empty = class_balance([])
    assert empty.counts == {}
    assert empty.imbalanced


# --------------------------------------------------------------------------- augmentation

SENTENCE = "i would like to know why my card payment was declined yesterday"
TEXT = SENTENCE.split()


def test_random_swap_keeps_the_words() -> None:
    out = random_swap(TEXT, random.Random(0), 0.1)
    assert Counter(out) == Counter(TEXT)
    assert out != TEXT
    assert random_swap(["one"], random.Random(0), 0.5) == ["one"]


def test_random_deletion_keeps_an_ordered_subset() -> None:
    out = random_deletion(TEXT, random.Random(1), 0.3)
    assert 1 <= len(out) < len(TEXT)
    remaining = iter(TEXT)
    assert all(word in remaining for word in out)
    assert random_deletion(["solo"], random.Random(0), 0.9) == ["solo"]
    assert len(random_deletion(["a", "b"], random.Random(0), 1.0)) == 1


def test_random_insertion_uses_words_from_the_same_text() -> None:
    out = random_insertion(TEXT, random.Random(2), 0.2)
    assert len(out) == len(TEXT) + 2
    assert set(out) <= set(TEXT)
    assert random_insertion([], random.Random(0), 0.5) == []


def test_keyboard_typo_changes_one_word_slightly() -> None:
    out = keyboard_typo(TEXT, random.Random(3), 0.05)
    changed = [(a, b) for a, b in zip(TEXT, out, strict=True) if a != b]
    assert len(changed) <= 1
    for before, after in changed:
        assert abs(len(before) - len(after)) <= 1
    assert keyboard_typo(["ok", "12"], random.Random(0), 1.0) == ["ok", "12"]


def test_augment_returns_originals_then_variants() -> None:
    texts = ["where is my new card", "how do i reset my pin please", "hi"]
    labels = ["card_arrival", "change_pin", "greet"]
    out_texts, out_labels = augment(texts, labels, n_per_example=3, seed=1)
    assert out_texts[:3] == texts
    assert out_labels[:3] == labels
    extra = list(zip(out_texts[3:], out_labels[3:], strict=True))
    assert 0 < len(extra) <= 9
    assert all(text not in texts for text, _ in extra)
    by_label = Counter(label for _, label in extra)
    assert {text for text, label in extra if label == "greet"} <= {"hi hi"}
    assert all(n <= 3 for n in by_label.values())


def test_augment_is_deterministic_per_seed() -> None:
    texts = [" ".join(TEXT)] * 5
    labels = list("abcde")
    methods = tuple(AUGMENTERS)
    first = augment(texts, labels, methods=methods, n_per_example=4, seed=7)
    again = augment(texts, labels, methods=methods, n_per_example=4, seed=7)
    other = augment(texts, labels, methods=methods, n_per_example=4, seed=8)
    assert first == again
    assert first != other


def test_augment_zero_variants_is_identity() -> None:
    assert augment(["a b c"], [1], n_per_example=0) == (["a b c"], [1])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"methods": ("synonym_replacement",)},
        {"methods": ()},
        {"n_per_example": -1},
        {"alpha": 0.0},
        {"alpha": 1.5},
    ],
)
def test_augment_rejects_bad_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(UsageError):
        augment(["a b"], ["x"], **kwargs)  # type: ignore[arg-type]


def test_augment_needs_one_label_per_text() -> None:
    with pytest.raises(UsageError, match="labels"):
        augment(["a b", "c d"], ["x"])
