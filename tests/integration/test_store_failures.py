"""Store failures a user can cause: each one a clear error, never a half-written store."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from colloquy.errors import (
    ConfigError,
    DatabaseUnavailableError,
    MigrationError,
    ReadOnlyStoreError,
)
from colloquy.storage import Store, create_store_engine
from colloquy.storage.migrate import ensure_schema
from colloquy.storage.tables import metadata

from .test_store import make_conversation


def test_migrations_create_exactly_the_declared_tables(store_url: str) -> None:
    engine = create_store_engine(store_url)
    ensure_schema(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
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
        conn.execute(
            text("DROP TABLE IF EXISTS splits, turns, conversations, datasets, alembic_version")
        )
    engine.dispose()
    try:
        with pytest.raises(MigrationError, match="colloquy db upgrade"):
            Store.open(postgres_url)
    finally:
        with Store.connect(postgres_url) as store:
            assert store.upgrade().up_to_date
