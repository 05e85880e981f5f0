"""The store on SQLite and PostgreSQL alike: ingest, idempotency, atomicity, streaming."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from colloquy.errors import ConflictError, NotFoundError
from colloquy.schema import Conversation, DialogueAct, Outcome, Speaker, Turn
from colloquy.storage import Store


def make_conversation(i: int, *, text_suffix: str = "") -> Conversation:
    start = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
    return Conversation(
        id=f"conv-{i}",
        source="test",
        channel="chat",
        started_at=start,
        turns=tuple(
            Turn(
                index=j,
                speaker=Speaker.CUSTOMER if j % 2 == 0 else Speaker.AGENT,
                speaker_id=f"user-{i}" if j % 2 == 0 else "agent-7",
                text=f"message {j} of conversation {i} — ünïcode 🙂{text_suffix}",
                timestamp=start + timedelta(seconds=j),
                intent="greeting" if j == 0 else None,
                dialogue_acts=(DialogueAct(act="INFORM", slot="n", values=(j, "x")),),
                extra={"j": j, "nested": {"ok": True}},
            )
            for j in range(3 + i % 4)
        ),
        metadata={"tier": ["gold", "silver"][i % 2], "age": 20 + i, "ratio": i / 7},
        outcome=Outcome(converted=i % 3 == 0, value=float(i)) if i % 5 else None,
        labels={"intent": "greeting", "n": i},
    )


def test_ingest_then_stream_back_equal_records(store: Store) -> None:
    conversations = [make_conversation(i) for i in range(120)]
    report = store.ingest(dataset="d1", source="test", conversations=conversations)
    assert (report.received, report.inserted, report.duplicates) == (120, 120, 0)
    assert report.turns == sum(len(c.turns) for c in conversations)
    restored = list(store.conversations("d1", batch_size=7))
    assert restored == conversations
    assert [c.content_hash for c in restored] == [c.content_hash for c in conversations]


def test_reingest_adds_nothing(store: Store) -> None:
    conversations = [make_conversation(i) for i in range(60)]
    store.ingest(dataset="d1", source="test", conversations=conversations)
    again = store.ingest(dataset="d1", source="test", conversations=conversations)
    assert (again.inserted, again.duplicates, again.turns) == (0, 60, 0)
    info = store.dataset("d1")
    assert info.conversations == 60
    assert info.turns == sum(len(c.turns) for c in conversations)


def test_duplicates_within_one_batch_are_skipped(store: Store) -> None:
    one = make_conversation(1)
    report = store.ingest(dataset="d1", source="test", conversations=[one, one, one])
    assert (report.inserted, report.duplicates) == (1, 2)


def test_same_id_with_new_content_conflicts_and_writes_nothing(store: Store) -> None:
    store.ingest(dataset="d1", source="test", conversations=[make_conversation(1)])
    batch = [make_conversation(i) for i in range(2, 40)] + [make_conversation(1, text_suffix="!")]
    with pytest.raises(ConflictError, match="conv-1"):
        store.ingest(dataset="d1", source="test", conversations=batch)
    assert store.dataset("d1").conversations == 1


def _interrupted(count: int, fail_at: int) -> Iterator[Conversation]:
    for i in range(count):
        if i == fail_at:
            raise KeyboardInterrupt
        yield make_conversation(i)


def test_interrupted_bulk_insert_leaves_store_unchanged(store: Store) -> None:
    store.ingest(dataset="before", source="test", conversations=[make_conversation(999)])
    with pytest.raises(KeyboardInterrupt):
        # batch_size is 50, so three batches are already written when the interrupt comes
        store.ingest(dataset="d1", source="test", conversations=_interrupted(500, 170))
    assert [d.name for d in store.datasets()] == ["before"]
    assert store.dataset("before").turns == len(make_conversation(999).turns)


def test_datasets_are_separate(store: Store) -> None:
    conversations = [make_conversation(i) for i in range(5)]
    store.ingest(dataset="a", source="test", conversations=conversations)
    store.ingest(dataset="b", source="test", conversations=conversations)
    assert {d.name: d.conversations for d in store.datasets()} == {"a": 5, "b": 5}
    store.delete_dataset("a")
    assert [d.name for d in store.datasets()] == ["b"]


def test_dataset_source_mismatch(store: Store) -> None:
    store.ingest(dataset="a", source="test", conversations=[make_conversation(1)])
    with pytest.raises(ConflictError, match="already holds 'test' data"):
        store.ingest(dataset="a", source="other", conversations=[make_conversation(2)])


def test_unknown_dataset_lists_known_names(store: Store) -> None:
    store.ingest(dataset="alpha", source="test", conversations=[make_conversation(1)])
    with pytest.raises(NotFoundError, match="known datasets: alpha"):
        store.dataset("beta")
    with pytest.raises(NotFoundError):
        list(store.conversations("beta"))


def test_schema_is_at_head(store: Store) -> None:
    status = store.schema_status()
    assert status.up_to_date
    assert status.pending == ()


def test_splits_are_saved_replaced_and_removed_with_the_dataset(store: Store) -> None:
    store.ingest(dataset="d1", source="test", conversations=[make_conversation(1)])
    store.save_split("d1", "s", ids_sha256="a" * 64, document={"assignment": {"conv-1": "train"}})
    store.save_split("d1", "s", ids_sha256="b" * 64, document={"assignment": {"conv-1": "test"}})
    assert store.load_split("d1", "s") == {"assignment": {"conv-1": "test"}}
    with pytest.raises(NotFoundError, match="saved splits: s"):
        store.load_split("d1", "other")
    store.delete_dataset("d1")
    assert store.datasets() == []
