"""Backups of a store taken while an ingest is writing restore to a consistent store.

The ingest is held open mid-transaction (some batches already written, uncommitted) while
the backup runs: the restored store has exactly the committed rows, and opens as a valid,
migrated colloquy store. A second backup after the commit has everything.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pytest
from sqlalchemy import text

from colloquy.errors import NotFoundError
from colloquy.schema import Conversation
from colloquy.storage import Store
from colloquy.storage.backup import BackupError, backup, backup_into, manifest_path, restore
from colloquy.storage.scratch import scratch_postgres_database

from .test_store import make_conversation

_WAIT = 60.0


def _held_stream(
    conversations: list[Conversation], started: threading.Event, release: threading.Event
) -> Iterator[Conversation]:
    for i, conversation in enumerate(conversations):
        if i == len(conversations) // 2:
            started.set()
            assert release.wait(_WAIT), "the backup never finished"
        yield conversation


def _target(store_url: str, tmp_path: Path, name: str) -> AbstractContextManager[str]:
    if store_url.startswith("sqlite"):
        return nullcontext(f"sqlite:///{tmp_path / name}")
    return scratch_postgres_database(store_url, prefix="colloquy_restore")


def test_backup_during_ingest_restores_committed_rows(store_url: str, tmp_path: Path) -> None:
    suffix = ".db" if store_url.startswith("sqlite") else ".dump"
    with Store.open(store_url, batch_size=10) as store:
        store.ingest(
            dataset="a", source="test", conversations=[make_conversation(i) for i in range(30)]
        )
        started, release = threading.Event(), threading.Event()
        later = [make_conversation(i) for i in range(100, 160)]
        writer = threading.Thread(
            target=store.ingest,
            kwargs={
                "dataset": "b",
                "source": "test",
                "conversations": _held_stream(later, started, release),
            },
        )
        writer.start()
        try:
            assert started.wait(_WAIT)
            during = backup(store_url, tmp_path / f"during{suffix}", artifacts=(tmp_path,))
        finally:
            release.set()
            writer.join(_WAIT)
        after = backup(store_url, tmp_path / f"after{suffix}")
    assert during.counts["conversations"] == 30
    assert during.counts["datasets"] == 1
    assert after.counts["conversations"] == 90
    assert during.artifacts[0].exists
    for file, manifest in (
        (tmp_path / f"during{suffix}", during),
        (tmp_path / f"after{suffix}", after),
    ):
        with _target(store_url, tmp_path, f"restored-{file.stem}.db") as target:
            report = restore(target, file)
            assert report.counts == manifest.counts
            with Store.open(target) as restored:
                names = [d.name for d in restored.datasets()]
                assert sorted(names) == (["a"] if manifest is during else ["a", "b"])


def test_backup_under_a_stream_of_commits_is_consistent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    stop = threading.Event()
    committed: list[int] = []

    def write() -> None:
        with Store.open(url, batch_size=2) as store:  # several batches per transaction
            n = 0
            while not stop.is_set() and n < 400:
                batch = [make_conversation(1000 + n + i) for i in range(5)]
                store.ingest(dataset=f"d{n // 50}", source="test", conversations=batch)
                n += 5
                committed.append(n)

    Store.open(url).close()
    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(committed) < 3:
            assert writer.is_alive()
            threading.Event().wait(0.01)
        manifests = [backup(url, tmp_path / f"b{i}.db") for i in range(3)]
    finally:
        stop.set()
        writer.join(_WAIT)
    for i, manifest in enumerate(manifests):
        copy = tmp_path / f"b{i}.db"
        with Store.open(f"sqlite:///{copy}") as restored, restored.transaction() as conn:
            turns = conn.execute(text("SELECT COUNT(*) FROM turns")).scalar_one()
            expected = conn.execute(text("SELECT SUM(n_turns) FROM conversations")).scalar_one()
        assert turns == expected == manifest.counts["turns"]
        assert manifest.counts["conversations"] % 5 == 0  # whole ingests only


def test_corrupt_backup_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store.open(url) as store:
        store.ingest(dataset="a", source="test", conversations=[make_conversation(1)])
    file = tmp_path / "b.db"
    backup(url, file)
    with file.open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(BackupError, match="SHA-256"):
        restore(f"sqlite:///{tmp_path / 'r.db'}", file)
    manifest_path(file).unlink()
    with pytest.raises(NotFoundError, match="manifest"):
        restore(f"sqlite:///{tmp_path / 'r.db'}", file)


def test_scheduled_backups_keep_the_newest(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    Store.open(url).close()
    folder = tmp_path / "backups"
    made = [backup_into(url, folder, keep=2)[0] for _ in range(3)]
    assert sorted(p for p in folder.iterdir() if p.suffix == ".db") == made[1:]
    assert not manifest_path(made[0]).exists()
