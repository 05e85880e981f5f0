"""Agent sessions on SQLite and PostgreSQL: migration 0010, the event log's numbering under
concurrent appends, verdict rows, paging, and ``updated_at`` kept by the trigger."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from colloquy.errors import ConflictError, NotFoundError, UsageError
from colloquy.storage import Store
from colloquy.storage.agent_sessions import (
    AgentSessionRepository,
    NewEvent,
    StoredVerdict,
)
from colloquy.storage.scratch import scratch_postgres_database
from colloquy.storage.tables import metadata

MINE = {"agent_sessions", "agent_events", "validation_audit"}


def _clear(store: Store) -> None:
    with store.transaction() as conn:
        for table in ("validation_audit", "agent_events", "agent_sessions"):
            conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def sessions(store: Store) -> Iterator[AgentSessionRepository]:
    """A repository on a store with no agent sessions (PostgreSQL is shared per run)."""
    _clear(store)
    yield AgentSessionRepository(store)
    _clear(store)


def _downgrade_and_upgrade(store: Store) -> None:
    from alembic import command

    from colloquy.storage.migrate import _alembic_config

    config = _alembic_config()
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0009")
    tables = set(inspect(store.engine).get_table_names())
    assert not MINE & tables
    assert "journeys" in tables
    store.upgrade()
    assert set(inspect(store.engine).get_table_names()) >= MINE


def _our_differences(store: Store) -> list[object]:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    return [d for d in diff if MINE & set(_names(d))]


def _names(entry: object) -> Iterator[str]:
    items = entry if isinstance(entry, list) else [entry]
    for item in items:
        for part in item if isinstance(item, tuple) else ():
            if isinstance(part, str):
                yield part
            table = getattr(part, "table", None)
            for candidate in (getattr(part, "name", None), getattr(table, "name", None)):
                if isinstance(candidate, str):
                    yield candidate


def test_migration_0010_matches_the_declared_tables_and_goes_down_and_up(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'agent.db'}") as store:
        assert _our_differences(store) == []
        _downgrade_and_upgrade(store)
        assert _our_differences(store) == []


def test_migration_0010_on_postgresql_with_its_trigger() -> None:
    server = os.environ.get("COLLOQUY_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("COLLOQUY_TEST_POSTGRES_URL is not set (CI sets it; see .ci/run)")
    with scratch_postgres_database(server, prefix="colloquy_audit") as url:
        store = Store.connect(url)
        try:
            store.upgrade()
            assert _our_differences(store) == []
            _downgrade_and_upgrade(store)
            with store.engine.connect() as conn:
                triggers = conn.execute(
                    text("SELECT tgname FROM pg_trigger WHERE tgname = 'agent_sessions_touch'")
                ).all()
            assert len(triggers) == 1
        finally:
            store.close()


def test_a_session_records_events_in_order_and_ends(sessions: AgentSessionRepository) -> None:
    session = sessions.create(channel="text", metadata={"source": "test"})
    assert (session.status, session.turns, session.events) == ("active", 0, 0)
    first = sessions.append(session.id, [NewEvent(0, "session_started", "{}")])
    more = sessions.append(
        session.id,
        [NewEvent(1, "message", '"hello"', 0.5), NewEvent(1, "activation", "{}", 12.0)],
    )
    assert [e.seq for e in (*first, *more)] == [1, 2, 3]
    sessions.update(session.id, journey="claim_inquiry", journey_version=2, customer_id="c-1")
    ended = sessions.end(session.id, [NewEvent(1, "session_ended", "{}")])
    assert (ended.status, ended.turns, ended.events) == ("ended", 1, 4)
    assert (ended.journey, ended.journey_version, ended.customer_id) == ("claim_inquiry", 2, "c-1")
    assert ended.ended_at is not None
    assert ended.ended_at >= ended.started_at
    assert ended.metadata == {"source": "test"}
    events = sessions.events(session.id)
    assert [(e.seq, e.kind, e.payload) for e in events] == [
        (1, "session_started", "{}"),
        (2, "message", '"hello"'),
        (3, "activation", "{}"),
        (4, "session_ended", "{}"),
    ]
    assert [e.seq for e in sessions.events(session.id, after=2, limit=1)] == [3]
    with pytest.raises(ConflictError, match="has ended"):
        sessions.append(session.id, [NewEvent(2, "message", '"late"')])
    with pytest.raises(ConflictError, match="has ended"):
        sessions.end(session.id)


def test_unknown_sessions_and_bad_input_say_what_to_do(sessions: AgentSessionRepository) -> None:
    with pytest.raises(NotFoundError, match="colloquy agent sessions"):
        sessions.events("nobody")
    with pytest.raises(NotFoundError, match="'nobody'"):
        sessions.append("nobody", [NewEvent(0, "message", "{}")])
    with pytest.raises(UsageError, match="channel 'fax'"):
        sessions.create(channel="fax")
    sessions.create(channel="api", session_id="fixed-id")
    with pytest.raises(ConflictError, match="already exists"):
        sessions.create(channel="api", session_id="fixed-id")


def test_verdicts_and_their_event_are_written_together(sessions: AgentSessionRepository) -> None:
    session = sessions.create(channel="voice")
    verdicts = [
        StoredVerdict(1, 0, "verification", True, "Hello."),
        StoredVerdict(1, 1, "grounding", False, "Claim CLM-1 is paid.", "not returned", ""),
    ]
    (event,) = sessions.save_verdicts(session.id, verdicts, NewEvent(1, "validation", "{}", 3.0))
    assert event.seq == 1
    assert sessions.verdicts(session.id) == tuple(verdicts)
    sessions.save_verdicts(session.id, [StoredVerdict(2, 0, "disclaimer", True, "Bye.")])
    assert len(sessions.verdicts(session.id)) == 3
    assert sessions.get(session.id).events == 1


def test_sessions_page_newest_first(sessions: AgentSessionRepository) -> None:
    made = [sessions.create(channel="text").id for _ in range(5)]
    first = sessions.list(limit=2)
    second = sessions.list(limit=2, before=first.next_before)
    third = sessions.list(limit=2, before=second.next_before)
    seen = [s.id for page in (first, second, third) for s in page.sessions]
    assert seen == made[::-1]
    assert third.next_before is None


def test_updated_at_follows_an_update(sessions: AgentSessionRepository, store: Store) -> None:
    session = sessions.create(channel="text")

    def year_of_updated_at() -> str:
        with store.transaction() as conn:
            value = conn.execute(
                text("SELECT updated_at FROM agent_sessions WHERE id = :i"), {"i": session.id}
            ).scalar_one()
        return str(value)[:4]

    with store.transaction() as conn:
        conn.execute(
            text("UPDATE agent_sessions SET updated_at = '2000-01-01 00:00:00' WHERE id = :i"),
            {"i": session.id},
        )
    postgres = store.engine.dialect.name == "postgresql"
    assert (year_of_updated_at() == "2000") is not postgres
    sessions.update(session.id, customer_id="c-2")
    assert year_of_updated_at() == str(session.started_at.year)


def test_concurrent_appends_lose_and_repeat_no_number(store_url: str) -> None:
    threads_n, per_thread, sessions_n = 6, 15, 2
    with Store.open(store_url) as store:
        _clear(store)
        repo = AgentSessionRepository(store)
        ids = [repo.create(channel="api").id for _ in range(sessions_n)]
        failures: list[BaseException] = []
        start = threading.Barrier(threads_n)

        def work(worker: int) -> None:
            try:
                start.wait()
                for i in range(per_thread):
                    session_id = ids[(worker + i) % sessions_n]
                    batch = [
                        NewEvent(i, "message", f'"{worker}-{i}-{j}"') for j in range(1 + i % 2)
                    ]
                    repo.append(session_id, batch)
            except BaseException as exc:
                failures.append(exc)

        workers = [threading.Thread(target=work, args=(w,)) for w in range(threads_n)]
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        assert failures == []
        expected_total = threads_n * sum(1 + i % 2 for i in range(per_thread))
        payloads: list[str] = []
        for session_id in ids:
            events = repo.events(session_id)
            assert [e.seq for e in events] == list(range(1, len(events) + 1))
            assert repo.get(session_id).events == len(events)
            payloads.extend(e.payload for e in events)
        assert len(payloads) == len(set(payloads)) == expected_total
        tally = repo.count(ids)
        assert (tally.sessions, tally.stored, tally.lost) == (sessions_n, expected_total, 0)
        assert tally.by_kind == (("message", expected_total),)
        _clear(store)


_APPEND_SCRIPT = """
import sys
from colloquy.storage import Store
from colloquy.storage.agent_sessions import AgentSessionRepository, NewEvent

url, session_id, worker, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with Store.open(url) as store:
    repo = AgentSessionRepository(store)
    for i in range(count):
        repo.append(session_id, [NewEvent(i, "message", f'"p{worker}-{i}"')])
"""


@pytest.mark.slow
def test_appends_from_several_processes_share_one_numbering(store_url: str) -> None:
    processes_n, per_process = 3, 25
    with Store.open(store_url) as store:
        _clear(store)
        repo = AgentSessionRepository(store)
        session_id = repo.create(channel="api").id
        workers = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    _APPEND_SCRIPT,
                    store_url,
                    session_id,
                    str(w),
                    str(per_process),
                ]
            )
            for w in range(processes_n)
        ]
        assert [p.wait(timeout=120) for p in workers] == [0] * processes_n
        events = repo.events(session_id)
        assert [e.seq for e in events] == list(range(1, processes_n * per_process + 1))
        assert len({e.payload for e in events}) == processes_n * per_process
        _clear(store)
