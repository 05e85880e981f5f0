"""Stored analyses on SQLite and PostgreSQL: payloads, staleness, cascade, migration.

Incremental analysis over these tables is tested in ``test_analyses_incremental.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from colloquy.errors import NotFoundError, UsageError
from colloquy.storage import Store, create_store_engine
from colloquy.storage.analyses import (
    Coverage,
    StoredAnalysis,
    conversation_analyses,
    coverage_of,
    dataset_analyses,
)
from colloquy.storage.migrate import upgrade
from colloquy.storage.revisions import head_revision
from colloquy.storage.scratch import scratch_postgres_database

from .test_store import make_conversation

FP = "f" * 64
PAYLOAD = '{"v":1,"text":"ünïcode 🙂 \\u0000 \\"quoted\\"","x":0.1}'


def _rows(store: Store, table: str) -> int:
    with store.transaction() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def _replace_conversation(store: Store, dataset: str, i: int, suffix: str) -> None:
    """Swap a stored conversation for a changed one under the same id."""
    with store.transaction() as conn:
        conn.execute(
            text(
                "DELETE FROM conversations WHERE external_id = :id AND dataset_id = "
                "(SELECT id FROM datasets WHERE name = :name)"
            ),
            {"id": f"conv-{i}", "name": dataset},
        )
    store.ingest(
        dataset=dataset, source="test", conversations=[make_conversation(i, text_suffix=suffix)]
    )


def test_payloads_round_trip_byte_for_byte(store: Store) -> None:
    store.ingest(dataset="d", source="test", conversations=[make_conversation(1)])
    stored = StoredAnalysis("conv-1", make_conversation(1).content_hash, PAYLOAD * 200)
    assert store.analyses.put_analyses("d", FP, [stored]) == 1
    assert store.analyses.get_analysis("d", FP, "conv-1") == stored
    assert store.analyses.get_analysis("d", "e" * 64, "conv-1") is None
    assert store.analyses.get_analysis("d", FP, "conv-2") is None


def test_put_replaces_and_hashes_tell_what_is_current(store: Store) -> None:
    conversations = [make_conversation(i) for i in range(5)]
    store.ingest(dataset="d", source="test", conversations=conversations)
    repo = store.analyses
    repo.put_analyses(
        "d",
        FP,
        [StoredAnalysis(c.id, c.content_hash, f'{{"n":{i}}}') for i, c in enumerate(conversations)],
    )
    repo.put_analyses(
        "d", FP, [StoredAnalysis("conv-2", conversations[2].content_hash, '{"n":"new"}')]
    )
    assert _rows(store, "conversation_analyses") == 5
    assert repo.analysis_hashes("d", FP) == repo.content_hashes("d")
    assert [a.payload for a in repo.current_analyses("d", FP, batch_size=2)] == [
        '{"n":0}',
        '{"n":1}',
        '{"n":"new"}',
        '{"n":3}',
        '{"n":4}',
    ]


def test_changed_conversation_is_left_out_of_the_current_stream(store: Store) -> None:
    conversations = [make_conversation(i) for i in range(4)]
    store.ingest(dataset="d", source="test", conversations=conversations)
    repo = store.analyses
    repo.put_analyses("d", FP, [StoredAnalysis(c.id, c.content_hash, "{}") for c in conversations])
    before = repo.coverage("d")
    _replace_conversation(store, "d", 2, "!")
    current = repo.content_hashes("d")
    assert current["conv-2"] == make_conversation(2, text_suffix="!").content_hash
    assert repo.analysis_hashes("d", FP)["conv-2"] == conversations[2].content_hash
    assert [a.conversation_id for a in repo.current_analyses("d", FP)] == [
        "conv-0",
        "conv-1",
        "conv-3",
    ]
    after = repo.coverage("d")
    assert after.conversations == before.conversations == 4
    assert after.hash != before.hash


def test_only_the_named_conversations_are_read_back(store: Store) -> None:
    conversations = [make_conversation(i) for i in range(7)]
    store.ingest(dataset="d", source="test", conversations=conversations)
    wanted = {"conv-5", "conv-1", "conv-3", "missing"}
    read = list(store.conversations_by_id("d", wanted, batch_size=2))
    assert read == [conversations[1], conversations[3], conversations[5]]
    assert list(store.conversations_by_id("d", [])) == []


def test_orphans_are_deleted_under_every_fingerprint(store: Store) -> None:
    conversations = [make_conversation(i) for i in range(3)]
    store.ingest(dataset="d", source="test", conversations=conversations)
    repo = store.analyses
    for fp in (FP, "a" * 64):
        repo.put_analyses(
            "d", fp, [StoredAnalysis(c.id, c.content_hash, "{}") for c in conversations]
        )
    with store.transaction() as conn:
        conn.execute(text("DELETE FROM conversations WHERE external_id = 'conv-1'"))
    assert repo.delete_orphans("d") == 2
    assert sorted(repo.analysis_hashes("d", "a" * 64)) == ["conv-0", "conv-2"]
    assert repo.delete_analyses("d", FP, ["conv-0", "missing"]) == 1
    assert sorted(repo.analysis_hashes("d", FP)) == ["conv-2"]


def test_aggregates_are_keyed_by_options_and_filter(store: Store) -> None:
    store.ingest(dataset="d", source="test", conversations=[make_conversation(i) for i in range(3)])
    repo = store.analyses
    coverage = repo.coverage("d")
    assert coverage == coverage_of(dict(reversed(list(repo.content_hashes("d").items()))))
    assert repo.get_aggregate("d", FP, "all") is None
    repo.put_aggregate("d", FP, "all", coverage=coverage, payload='{"a":1}')
    repo.put_aggregate("d", FP, "b" * 64, coverage=Coverage(1, "0" * 64), payload='{"b":1}')
    repo.put_aggregate("d", FP, "all", coverage=coverage, payload='{"a":2}')
    stored = repo.get_aggregate("d", FP, "all")
    assert stored is not None
    assert (stored.payload, stored.coverage, stored.computed_at.tzinfo is not None) == (
        '{"a":2}',
        coverage,
        True,
    )
    assert sorted(a.filter_key for a in repo.aggregates("d")) == ["all", "b" * 64]
    store.ingest(dataset="d", source="test", conversations=[make_conversation(3)])
    grown = repo.coverage("d")
    assert grown.conversations == 4
    assert grown != stored.coverage


def test_deleting_the_dataset_deletes_its_analyses(store: Store) -> None:
    for name in ("d", "keep"):
        store.ingest(dataset=name, source="test", conversations=[make_conversation(1)])
        store.analyses.put_analyses(
            name, FP, [StoredAnalysis("conv-1", make_conversation(1).content_hash, "{}")]
        )
        store.analyses.put_aggregate(name, FP, "all", coverage=Coverage(1, "0" * 64), payload="{}")
    store.delete_dataset("d")
    with store.transaction() as conn:
        for table in (conversation_analyses, dataset_analyses):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 1
    with pytest.raises(NotFoundError, match="no dataset named 'd'"):
        store.analyses.get_aggregate("d", FP, "all")
    assert store.analyses.get_aggregate("keep", FP, "all") is not None


@pytest.mark.parametrize("key", ["", "x" * 65, "a\x00b"])
def test_unusable_keys_are_refused_in_one_line(store: Store, key: str) -> None:
    store.ingest(dataset="d", source="test", conversations=[make_conversation(1)])
    with pytest.raises(UsageError, match="not 1 to 64 characters") as info:
        store.analyses.put_aggregate("d", FP, key, coverage=Coverage(0, "0" * 64), payload="{}")
    assert "\n" not in str(info.value)
    with pytest.raises(UsageError):
        store.analyses.analysis_hashes("d", key)


def _upgrade_from_0002(url: str) -> None:
    engine = create_store_engine(url)
    upgrade(engine, "0002")
    engine.dispose()
    with Store.connect(url) as store:
        assert store.schema_status().current == "0002"
        store.ingest(dataset="old", source="test", conversations=[make_conversation(1)])
        store.upgrade()
    with Store.open(url) as store:
        assert store.schema_status().current == head_revision()
        assert [c.id for c in store.conversations("old")] == ["conv-1"]
        store.analyses.put_analyses(
            "old", FP, [StoredAnalysis("conv-1", make_conversation(1).content_hash, "{}")]
        )
        assert store.analyses.analysis_hashes("old", FP) == store.analyses.content_hashes("old")


def test_a_0002_sqlite_file_upgrades(tmp_path: Path) -> None:
    _upgrade_from_0002(f"sqlite:///{tmp_path / 'old.db'}")


def test_a_0002_postgresql_database_upgrades(postgres_url: str) -> None:
    # postgres_url skips (or fails under CI) without a server; the upgrade needs its own
    # database, since the session's is already at head.
    with scratch_postgres_database(postgres_url, prefix="colloquy_test_0002") as url:
        _upgrade_from_0002(url)
