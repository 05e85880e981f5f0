"""Two ingests of the same data into one dataset at once: the second waits, then skips.

The first ingest is held inside its transaction while the second starts; the second must
wait for the first to commit and then find every conversation already stored, on SQLite
(one writer at a time) and PostgreSQL (the dataset row is locked) alike.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from colloquy.schema import Conversation
from colloquy.storage import InsertReport, Store, create_store_engine

from .test_store import make_conversation

_WAIT = 30.0
"""Upper bound on any wait here; only reached when something is broken."""


def _wait_until_blocked(url: str) -> None:
    """Return once another session waits on a lock (PostgreSQL), or after a short pause.

    SQLite shows no waiting writer from outside, so there the pause only makes it likely
    that the second ingest is already waiting; the outcome asserted is the same either way.
    """
    if not url.startswith("postgresql"):
        time.sleep(0.3)
        return
    engine = create_store_engine(url)
    deadline = time.monotonic() + _WAIT
    try:
        with engine.connect() as conn:
            while time.monotonic() < deadline:
                waiting = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                ).scalar_one()
                if waiting:
                    return
                conn.rollback()
                time.sleep(0.02)
    finally:
        engine.dispose()
    pytest.fail("the second ingest never waited for the first")


@pytest.mark.parametrize("existing", [False, True], ids=["new dataset", "existing dataset"])
def test_concurrent_ingests_of_the_same_data(store_url: str, existing: bool) -> None:
    conversations = [make_conversation(i) for i in range(1, 60)]
    if existing:
        with Store.open(store_url) as store:
            store.ingest(dataset="d1", source="test", conversations=[make_conversation(0)])
    first_inside = threading.Event()
    release_first = threading.Event()
    reports: dict[str, InsertReport] = {}
    failures: list[BaseException] = []

    def held_stream() -> Iterator[Conversation]:
        for index, conversation in enumerate(conversations):
            if index == 1:
                first_inside.set()
                release_first.wait(_WAIT)
            yield conversation

    def ingest(name: str, stream: Iterator[Conversation] | list[Conversation]) -> None:
        try:
            with Store.open(store_url, batch_size=1) as store:
                reports[name] = store.ingest(dataset="d1", source="test", conversations=stream)
        except BaseException as exc:
            failures.append(exc)
            first_inside.set()

    first = threading.Thread(target=ingest, args=("first", held_stream()))
    second = threading.Thread(target=ingest, args=("second", conversations))
    first.start()
    assert first_inside.wait(_WAIT)
    second.start()
    _wait_until_blocked(store_url)
    release_first.set()
    first.join(_WAIT)
    second.join(_WAIT)
    assert failures == []
    assert (reports["first"].inserted, reports["first"].duplicates) == (59, 0)
    assert (reports["second"].inserted, reports["second"].duplicates) == (0, 59)
    with Store.open(store_url) as store:
        info = store.dataset("d1")
        assert info.conversations == 59 + existing
        assert len(info.params["ingests"]) == 2 + existing
