"""Store failures a user can cause: each one a clear error, never a half-written store."""

from __future__ import annotations

import re
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from colloquy.errors import (
    ConfigError,
    ConflictError,
    DatabaseUnavailableError,
    MigrationError,
    ReadOnlyStoreError,
    StorageError,
)
from colloquy.storage import Store, create_store_engine
from colloquy.storage.desk import NATIVE_PREFIX
from colloquy.storage.engine import storage_error
from colloquy.storage.migrate import ensure_schema
from colloquy.storage.tables import metadata

from .test_store import make_conversation


def _declared(name: str | None, type_: str, parent_names: object) -> bool:
    """Dialect-only objects (FTS5 tables, GIN indexes) are not in metadata by design."""
    return not (name or "").startswith(NATIVE_PREFIX)


def test_migrations_create_exactly_the_declared_tables(store_url: str) -> None:
    engine = create_store_engine(store_url)
    ensure_schema(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _declared})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == []


def test_new_sqlite_file_is_migrated_on_open(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'deep' / 'new.db'}") as store:
        assert store.schema_status().up_to_date


def test_sqlite_behind_head_asks_for_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with Store.connect(url) as store, store.transaction() as conn:
        conn.execute(text("CREATE TABLE unrelated (x INTEGER)"))
    with pytest.raises(MigrationError, match="colloquy db upgrade"):
        Store.open(url)


def test_unknown_revision_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'future.db'}"
    with Store.open(url) as store, store.transaction() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'zzzz'"))
    with pytest.raises(MigrationError, match="does not know"):
        Store.open(url)


def test_read_only_database_file(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    with Store.open(f"sqlite:///{path}") as store:
        store.ingest(dataset="a", source="test", conversations=[make_conversation(1)])
    # Root ignores file permissions, so open the file read-only through SQLite's URI mode.
    uri = f"sqlite:///file:{path}?mode=ro&uri=true"
    path.chmod(stat.S_IRUSR)
    try:
        with Store.open(uri) as store, pytest.raises(ReadOnlyStoreError, match="read-only"):
            store.ingest(dataset="b", source="test", conversations=[make_conversation(2)])
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    with Store.open(f"sqlite:///{path}") as store:
        assert [d.name for d in store.datasets()] == ["a"]


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        ("not a url", "not a valid SQLAlchemy URL"),
        ("mysql://u@h/db", "supports sqlite and postgresql"),
    ],
)
def test_wrong_database_url(url: str, pattern: str) -> None:
    with pytest.raises(ConfigError, match=pattern):
        Store.open(url)


def test_unreachable_server() -> None:
    with pytest.raises(DatabaseUnavailableError, match=r"cannot reach database .*127\.0\.0\.1:1"):
        Store.open("postgresql+psycopg://nobody@127.0.0.1:1/none")


def test_sqlite_path_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(DatabaseUnavailableError, match="cannot open SQLite database"):
        Store.open(f"sqlite:///{tmp_path / 'dir.db'}")


def test_empty_postgres_database_is_not_migrated_implicitly(postgres_url: str) -> None:
    engine = create_store_engine(postgres_url)
    with engine.begin() as conn:
        names = ", ".join([*metadata.tables, "alembic_version"])
        conn.execute(text(f"DROP TABLE IF EXISTS {names} CASCADE"))
    engine.dispose()
    try:
        with pytest.raises(MigrationError, match="colloquy db upgrade"):
            Store.open(postgres_url)
    finally:
        with Store.connect(postgres_url) as store:
            assert store.upgrade().up_to_date


def _sqlite_page_count(url: str) -> int:
    engine = create_store_engine(url)
    with engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())
    engine.dispose()
    return pages


def test_full_disk_is_its_own_error_and_writes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'full.db'}"
    with Store.open(url) as store:
        store.ingest(dataset="before", source="test", conversations=[make_conversation(0)])
    limit = _sqlite_page_count(url) + 4
    with Store.open(url, batch_size=50) as store:
        # SQLite's page cap raises the same SQLITE_FULL as a full file system does.
        event.listen(
            store.engine,
            "connect",
            lambda dbapi, _record: dbapi.execute(f"PRAGMA max_page_count={limit}"),
        )
        store.engine.dispose()
        with pytest.raises(StorageError) as info:
            store.ingest(
                dataset="big",
                source="test",
                conversations=[make_conversation(i) for i in range(1, 400)],
            )
    message = str(info.value)
    assert "\n" not in message
    assert "is full" in message
    assert "free space" in message
    assert "cannot open" not in message
    with Store.open(url) as store:
        assert [(d.name, d.conversations) for d in store.datasets()] == [("before", 1)]


def test_lock_held_by_another_process_is_its_own_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    url = f"sqlite:///{path}"
    with Store.open(url) as store:
        store.ingest(dataset="before", source="test", conversations=[make_conversation(0)])
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with (
            Store.open(url, busy_timeout=0.05) as store,
            pytest.raises(DatabaseUnavailableError) as info,
        ):
            store.ingest(dataset="d1", source="test", conversations=[make_conversation(1)])
    finally:
        holder.rollback()
        holder.close()
    message = str(info.value)
    assert "\n" not in message
    assert "is locked: another process holds a write lock" in message
    assert "run the command again when that process has finished, or stop it" in message
    with Store.open(url) as store:
        assert [d.name for d in store.datasets()] == ["before"]


@pytest.fixture
def restore_table(store_url: str) -> Iterator[list[str]]:
    """Tables a test drops; recreated afterwards so the shared database stays whole."""
    dropped: list[str] = []
    yield dropped
    engine = create_store_engine(store_url)
    with engine.begin() as conn:
        for name in dropped:
            metadata.tables[name].create(conn, checkfirst=True)
    engine.dispose()


def _drop(url: str, table: str) -> None:
    engine = create_store_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE {table}"))
    engine.dispose()


def test_opening_a_store_whose_table_was_dropped(store_url: str, restore_table: list[str]) -> None:
    Store.open(store_url).close()
    _drop(store_url, "turns")
    restore_table.append("turns")
    with pytest.raises(MigrationError) as info:
        Store.open(store_url)
    message = str(info.value)
    assert "\n" not in message
    assert "has no table turns: it was changed outside colloquy" in message


def test_ingest_into_a_store_whose_table_is_dropped_meanwhile(
    store_url: str, restore_table: list[str]
) -> None:
    table = "turns"  # written through the raw driver cursor (COPY / executemany)
    with Store.open(store_url) as store:
        store.ingest(dataset="before", source="test", conversations=[make_conversation(0)])
        _drop(store_url, table)
        restore_table.append(table)
        with pytest.raises(MigrationError) as info:
            store.ingest(
                dataset="d1",
                source="test",
                conversations=[make_conversation(i) for i in range(1, 30)],
            )
    message = str(info.value)
    assert "\n" not in message
    assert f"has no table '{table}'" in message
    assert "colloquy db upgrade" in message
    assert "cannot open" not in message


@pytest.mark.parametrize(
    ("error", "expected", "pattern"),
    [
        (psycopg.errors.DiskFull, StorageError, "is full"),
        (psycopg.errors.LockNotAvailable, DatabaseUnavailableError, "is locked"),
        (psycopg.errors.UndefinedTable, MigrationError, "has no table 'turns'"),
        (psycopg.errors.UniqueViolation, ConflictError, "conflicted with stored data"),
        (psycopg.errors.ReadOnlySqlTransaction, ReadOnlyStoreError, "is read-only"),
        (psycopg.errors.CharacterNotInRepertoire, StorageError, "database error on"),
    ],
)
def test_postgres_errors_are_told_apart_by_sqlstate(
    error: type[psycopg.Error], expected: type[StorageError], pattern: str
) -> None:
    engine = create_store_engine("postgresql+psycopg://u@127.0.0.1:5432/db")
    orig = error('relation "turns" does not exist\nLINE 1: COPY turns ...')
    wrapped = DBAPIError.instance("COPY turns", None, orig, psycopg.Error, dialect=engine.dialect)
    assert isinstance(wrapped, DBAPIError)
    translated = storage_error(engine, wrapped)
    assert type(translated) is expected
    assert re.search(pattern, str(translated))
    assert "\n" not in str(translated)
