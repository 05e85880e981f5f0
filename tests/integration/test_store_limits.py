"""Rows one backend would refuse are refused by both, before anything is written.

PostgreSQL rejects NUL characters and over-long values that SQLite would keep; the schema
states the limits, the store re-checks records built without validation (``model_copy``),
and anything the database still refuses is a one-line storage error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from colloquy.errors import SchemaError, UsageError
from colloquy.schema import Conversation, Outcome, Turn
from colloquy.storage import Store

from .test_store import make_conversation


def _turn_copy(conversation: Conversation, **update: Any) -> Conversation:
    turns = (conversation.turns[0].model_copy(update=update), *conversation.turns[1:])
    return conversation.model_copy(update={"turns": turns})


_UNCHECKED: dict[str, tuple[Callable[[Conversation], Conversation], str]] = {
    "NUL in text": (lambda c: _turn_copy(c, text="bad\x00text"), r"turns\.0\.text: holds a NUL"),
    "NUL in extra key": (lambda c: _turn_copy(c, extra={"k\x00": 1}), r"turns\.0\.extra"),
    "long speaker id": (lambda c: _turn_copy(c, speaker_id="u" * 201), r"turns\.0\.speaker_id"),
    "long intent": (lambda c: _turn_copy(c, intent="i" * 201), r"turns\.0\.intent"),
    "long id": (lambda c: c.model_copy(update={"id": "x" * 301}), r": id: String should have"),
    "NUL in metadata key": (
        lambda c: c.model_copy(update={"metadata": {"a\x00b": 1}}),
        r"metadata: holds a NUL character \(\\x00\) at key",
    ),
    "NUL in label value": (
        lambda c: c.model_copy(update={"labels": {"intent": "x\x00"}}),
        r"labels: holds a NUL",
    ),
    "NUL in outcome notes": (
        lambda c: c.model_copy(
            update={"outcome": Outcome(converted=True).model_copy(update={"notes": "\x00"})}
        ),
        r"outcome\.notes",
    ),
}


@pytest.mark.parametrize("case", list(_UNCHECKED))
def test_unvalidated_records_breaking_a_limit_are_refused_alike(store: Store, case: str) -> None:
    breaks, pattern = _UNCHECKED[case]
    store.ingest(dataset="before", source="test", conversations=[make_conversation(0)])
    batch = [make_conversation(i) for i in range(1, 80)] + [breaks(make_conversation(81))]
    with pytest.raises(SchemaError, match=pattern) as info:
        store.ingest(dataset="d1", source="test", conversations=batch)
    assert "\n" not in str(info.value)
    assert [d.name for d in store.datasets()] == ["before"]


def test_text_that_only_looks_like_an_escaped_nul_is_stored(store: Store) -> None:
    literal = "a backslash then u0000: \\u0000"
    conversation = make_conversation(1).model_copy(
        update={"metadata": {"note": literal}, "labels": {literal: literal}}
    )
    conversation = Conversation.model_validate(conversation.model_dump())
    store.ingest(dataset="d1", source="test", conversations=[conversation])
    assert list(store.conversations("d1")) == [conversation]


def test_longest_values_fit_both_backends(store: Store) -> None:
    conversation = Conversation(
        id="x" * 300,
        source="s" * 100,
        channel="c" * 50,
        turns=(Turn(index=0, speaker="agent", text="t", speaker_id="u" * 200, intent="i" * 200),),
    )
    store.ingest(dataset="d" * 200, source="s" * 100, conversations=[conversation])
    assert list(store.conversations("d" * 200)) == [conversation]


@pytest.mark.parametrize(
    ("dataset", "source", "description", "pattern"),
    [
        ("d" * 201, "test", None, "dataset name .* is 201 characters long; at most 200"),
        ("bad\x00name", "test", None, "dataset name .* holds a NUL"),
        ("", "test", None, "dataset name is empty"),
        ("d1", "s" * 101, None, "source name .* is 101 characters long; at most 100"),
        ("d1", "test", "about \x00", "dataset description holds a NUL"),
    ],
)
def test_dataset_names_the_store_cannot_hold_are_usage_errors(
    store: Store, dataset: str, source: str, description: str | None, pattern: str
) -> None:
    with pytest.raises(UsageError, match=pattern) as info:
        store.ingest(
            dataset=dataset,
            source=source,
            description=description,
            conversations=[make_conversation(1)],
        )
    assert "\n" not in str(info.value)
    assert store.datasets() == []


def test_split_names_are_checked_alike(store: Store) -> None:
    store.ingest(dataset="d1", source="test", conversations=[make_conversation(1)])
    with pytest.raises(UsageError, match=r"split name .* at most 200"):
        store.save_split("d1", "s" * 201, ids_sha256="a" * 64, document={})
    with pytest.raises(UsageError, match="split 'nul' holds a NUL"):
        store.save_split("d1", "nul", ids_sha256="a" * 64, document={"a": "\x00"})


def test_nul_quoted_in_an_ingest_record_is_escaped_not_refused(store: Store) -> None:
    def record() -> dict[str, Any]:
        return {"problems": ["row 3: bad byte \x00 in 'text'"]}

    store.ingest(dataset="d1", source="test", conversations=[make_conversation(1)], record=record)
    (entry,) = store.dataset("d1").params["ingests"]
    assert entry["problems"] == ["row 3: bad byte \\x00 in 'text'"]
