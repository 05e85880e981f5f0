"""The example store in the project database (SQLite, then PostgreSQL) with real MiniLM.

Covers what only the database gives: examples and vectors survive a reopen, every change
is a numbered version with a fingerprint, a set refuses another embedder, a dataset in the
store imports as examples, and exact copies are refused even between two writers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from numpy.typing import NDArray
from sqlalchemy import inspect

from colloquy.errors import ConfigError, ConflictError, DataError, NotFoundError
from colloquy.features.embeddings import Embedder
from colloquy.features.embeddings.sentence import SentenceEmbedder
from colloquy.llm.examples import ExampleStore, LabelledExample, from_pairs
from colloquy.schema import Conversation, Speaker, Turn
from colloquy.storage import Store
from colloquy.storage.examples import ExampleRepository
from colloquy.storage.scratch import scratch_postgres_database
from colloquy.storage.tables import metadata

TEXTS = [
    ("I lost my card", "card_lost"),
    ("Someone stole my card yesterday", "card_lost"),
    ("Where is my refund?", "refund"),
    ("I still haven't received my refund", "refund"),
    ("How do I top up my account?", "top_up"),
]


class RenamedEmbedder(Embedder):
    """The same vectors under another model id: a set must refuse it."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner

    @property
    def model_id(self) -> str:
        return "another-model"

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def _encode(self, texts: list[str], batch_size: int) -> NDArray[np.float32]:  # type: ignore[override]
        return self.inner.encode(texts, batch_size=batch_size)


@pytest.fixture
def examples_db(store: Store) -> Iterator[Store]:
    """The migrated store; sets made by a test are dropped after it (PostgreSQL is shared)."""
    yield store
    repository = ExampleRepository(store)
    for info in repository.sets():
        repository.delete(info.name)


def conversation(i: int, text: str, intent: str | None) -> Conversation:
    return Conversation(
        id=f"c{i}",
        source="test",
        channel="chat",
        started_at=datetime(2024, 1, 1, tzinfo=UTC),
        turns=(Turn(index=0, speaker=Speaker.CUSTOMER, text=text),),
        labels={"intent": intent} if intent else {},
    )


def test_a_set_persists_with_versions_and_history(
    examples_db: Store, torch_embedder: SentenceEmbedder
) -> None:
    opened = ExampleStore.open(examples_db, "bank", torch_embedder)
    assert (len(opened), opened.revision, opened.name) == (0, 0, "bank")
    report = opened.add(from_pairs([t for t, _ in TEXTS], [lb for _, lb in TEXTS], "seed"))
    assert (report.added, opened.revision) == (len(TEXTS), 1)
    again = opened.add(
        [LabelledExample("i LOST my card", "card_lost"), LabelledExample("card stuck", "atm")]
    )
    assert (again.added, again.duplicates, opened.revision) == (1, 1, 2)
    assert opened.remove(["where is my refund?"]) == 1
    assert opened.revision == 3

    reopened = ExampleStore.open(examples_db, "bank", torch_embedder, create=False)
    assert reopened.examples == opened.examples
    assert (reopened.version, reopened.revision) == (opened.version, 3)
    query = "my refund never came"
    assert reopened.select(query, 2) == opened.select(query, 2)
    history = reopened.history()
    assert [(v.version, v.added, v.removed, v.examples) for v in history] == [
        (1, 5, 0, 5),
        (2, 1, 0, 6),
        (3, 0, 1, 5),
    ]
    assert history[-1].fingerprint == reopened.version
    assert history[-1].change == "remove"
    [info] = ExampleRepository(examples_db).sets()
    assert (info.name, info.version, info.examples, info.embedder) == (
        "bank",
        3,
        5,
        torch_embedder.model_id,
    )


def test_a_set_refuses_another_embedder_and_a_missing_set_is_not_found(
    examples_db: Store, torch_embedder: SentenceEmbedder
) -> None:
    ExampleStore.open(examples_db, "bank", torch_embedder).add(
        [LabelledExample("I lost my card", "card_lost")]
    )
    with pytest.raises(ConfigError, match="was built with embedder"):
        ExampleStore.open(examples_db, "bank", RenamedEmbedder(torch_embedder))
    with pytest.raises(NotFoundError, match="no example set named 'other'"):
        ExampleStore.open(examples_db, "other", torch_embedder, create=False)


def test_two_writers_cannot_store_the_same_example_twice(
    examples_db: Store, torch_embedder: SentenceEmbedder
) -> None:
    first = ExampleStore.open(examples_db, "bank", torch_embedder)
    second = ExampleStore.open(examples_db, "bank", torch_embedder)
    first.add([LabelledExample("I lost my card", "card_lost")])
    with pytest.raises(ConflictError, match="already holds"):
        second.add([LabelledExample("i lost my card", "card_lost")])
    assert len(second) == 0
    assert len(ExampleStore.open(examples_db, "bank", torch_embedder)) == 1


def test_a_dataset_imports_as_examples(
    examples_db: Store, torch_embedder: SentenceEmbedder
) -> None:
    rows = [
        conversation(1, "I lost my card", "card_lost"),
        conversation(2, "Someone stole my card", "card_lost"),
        conversation(3, "My card was taken from my bag", "card_lost"),
        conversation(4, "Where is my refund?", "refund"),
        conversation(5, "hello there", None),
    ]
    examples_db.ingest(dataset="tickets", source="test", conversations=rows)
    opened = ExampleStore.open(examples_db, "tickets", torch_embedder)
    report = opened.import_dataset(examples_db, "tickets", per_label=2)
    assert report.added == 3
    assert sorted(e.label for e in opened.examples) == ["card_lost", "card_lost", "refund"]
    assert {e.source for e in opened.examples} == {"dataset:tickets"}
    assert opened.history()[-1].change == "import dataset tickets"
    with pytest.raises(DataError, match="no conversations labelled 'topic'"):
        opened.import_dataset(examples_db, "tickets", label_key="topic")


MINE = {"llm_example_sets", "llm_examples", "llm_example_versions"}


def _our_differences(store: Store) -> list[object]:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    return [d for d in diff if any(name in repr(d) for name in MINE)]


def _down_and_up(store: Store) -> None:
    from alembic import command

    from colloquy.storage.migrate import _alembic_config

    config = _alembic_config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0010")
    tables = set(inspect(store.engine).get_table_names())
    assert not MINE & tables
    assert "agent_sessions" in tables
    store.upgrade()
    assert set(inspect(store.engine).get_table_names()) >= MINE


def test_migration_0011_matches_the_tables_and_goes_down_and_up(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'examples.db'}") as store:
        assert _our_differences(store) == []
        _down_and_up(store)
        assert _our_differences(store) == []
    server = os.environ.get("COLLOQUY_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("COLLOQUY_TEST_POSTGRES_URL is not set (CI sets it; see .ci/run)")
    with scratch_postgres_database(server, prefix="colloquy_llm") as url:
        store = Store.connect(url)
        try:
            store.upgrade()
            assert _our_differences(store) == []
            _down_and_up(store)
            assert _our_differences(store) == []
        finally:
            store.close()
