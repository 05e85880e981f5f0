"""Journey versions in a real store (SQLite file, then PostgreSQL): pinning and conflicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import colloquy.storage.journeys as journey_tables
from colloquy.agent.journeys import JourneyStore, bundled_journeys, parse_journey
from colloquy.agent.journeys.cache_store import StoreCache
from colloquy.errors import ConflictError, NotFoundError
from colloquy.storage import Store
from colloquy.storage.tables import metadata

V1 = """\
name: pinned
version: 1
title: Pinned
triggers: [first trigger, second trigger]
states:
  - {name: start, instruction: Say hello., transitions: [{to: end}]}
  - {name: end, instruction: Say goodbye., final: true}
"""
V2 = V1.replace("version: 1", "version: 2").replace("Say hello.", "Say hi.")

MINE = {"journeys", "journey_states", "transitions", "journey_contexts", "guidelines"}
MINE |= {"journey_activations"}


def test_migration_0009_creates_exactly_the_journey_tables(tmp_path: Path) -> None:
    assert journey_tables.journeys.metadata is metadata
    with Store.open(f"sqlite:///{tmp_path / 'schema.db'}") as store, store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = [d for d in diff if _table_of(d) in MINE]
    assert ours == []


def _table_of(entry: object) -> str | None:
    item = entry[0] if isinstance(entry, list) else entry
    for part in item if isinstance(item, tuple) else ():
        if isinstance(part, str) and part in MINE:
            return part
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None and getattr(table, "name", None):
            return str(table.name)
        if isinstance(name, str) and name in MINE:
            return name
    return None


def test_bundled_journeys_round_trip_through_the_store(store: Store) -> None:
    journeys = JourneyStore(store)
    journeys.save_all(bundled_journeys())
    journeys.save_all(bundled_journeys())
    for journey in bundled_journeys():
        loaded = journeys.load(journey.name)
        assert loaded.content_hash == journey.content_hash
        assert loaded.states == journey.states
        assert loaded.slots == journey.slots
    stored = journeys.repository.get("claim_inquiry")
    assert next(s.name for s in stored.states) == "verify_identity"
    assert stored.states[0].transitions == (
        ("ask_claim", "tool_ok"),
        ("verification_failed", "tool_failed"),
    )


def test_a_conversation_keeps_the_version_it_started_with(store: Store) -> None:
    journeys = JourneyStore(store)
    journeys.save(parse_journey(V1))
    started = journeys.start("session-1", journeys.load("pinned"))
    journeys.save(parse_journey(V2))
    assert journeys.load("pinned").version == 2
    resumed = journeys.resume("session-1")
    assert (resumed.journey.version, resumed.journey.state("start").instruction) == (
        1,
        "Say hello.",
    )
    assert resumed.journey.content_hash == started.journey.content_hash
    advanced = journeys.advance("session-1", "end", {"claim_id": "CLM-2026-00001"})
    assert (advanced.state, advanced.slots, advanced.journey.version) == (
        "end",
        {"claim_id": "CLM-2026-00001"},
        1,
    )
    fresh = journeys.start("session-2", journeys.load("pinned"))
    assert fresh.journey.version == 2


def test_changing_a_journey_without_raising_its_version_is_refused(store: Store) -> None:
    journeys = JourneyStore(store)
    journeys.save(parse_journey(V1))
    with pytest.raises(ConflictError, match="raise 'version'"):
        journeys.save(parse_journey(V1.replace("Say goodbye.", "Bye.")))


def test_unknown_session_and_journey_say_what_is_missing(store: Store) -> None:
    journeys = JourneyStore(store)
    with pytest.raises(NotFoundError, match="no journey context"):
        journeys.resume("nobody")
    with pytest.raises(NotFoundError, match="'absent'"):
        journeys.load("absent")


def test_store_cache_level_keeps_payloads(store: Store) -> None:
    cache = StoreCache(store)
    assert cache.get("k") is None
    cache.put("k", "one")
    cache.put("k", "two")
    assert cache.get("k") == "two"


def test_migration_0009_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from colloquy.storage.migrate import _alembic_config

    with Store.open(f"sqlite:///{tmp_path / 'down.db'}") as store:
        config = _alembic_config()
        with store.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0008")
        assert not MINE & set(inspect(store.engine).get_table_names())
        store.upgrade()
        assert set(inspect(store.engine).get_table_names()) >= MINE
