"""Engines for SQLite (the embedded default) and PostgreSQL, with errors a user can act on.

SQLite files get WAL journalling, foreign keys and ``synchronous=NORMAL`` on every
connection; their folder is created on first use. Connection problems (a malformed URL,
an unknown driver, a server that does not answer, a file that cannot be opened or
written) become :mod:`colloquy.errors` exceptions with a one-line fix.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from colloquy.errors import (
    ConfigError,
    ConflictError,
    DatabaseUnavailableError,
    MigrationError,
    ReadOnlyStoreError,
    StorageError,
)
from colloquy.extras import require

_URL_EXAMPLES = "sqlite:///path/to/colloquy.db or postgresql+psycopg://user@host:5432/dbname"


def parse_url(url: str) -> URL:
    """Parse and sanity-check a database URL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"database URL {url!r} is not a valid SQLAlchemy URL",
            hint=f"use {_URL_EXAMPLES}",
        ) from None
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise ConfigError(
            f"database URL {render_url(parsed)!r} uses {backend!r}; colloquy supports "
            "sqlite and postgresql",
            hint=f"use {_URL_EXAMPLES}",
        )
    if backend == "postgresql" and parsed.get_driver_name() not in {"psycopg", "psycopg2"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def render_url(url: URL | str) -> str:
    """The URL with any password hidden, safe to print or log."""
    parsed = make_url(url) if isinstance(url, str) else url
    return parsed.render_as_string(hide_password=True)


def create_store_engine(url: str, *, echo: bool = False, busy_timeout: float = 30) -> Engine:
    """An engine for ``url``; SQLite folders are created and pragmas set per connection.

    ``busy_timeout`` is how many seconds a SQLite writer waits for another's lock before
    giving up with a "locked" error.
    """
    parsed = parse_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database).expanduser()
            parsed = parsed.set(database=str(path))
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseUnavailableError(
                    f"cannot create the folder for SQLite database {path}: {exc.strerror}",
                    hint="set COLLOQUY_DATABASE_URL to a writable location",
                ) from None
        kwargs["connect_args"] = {"timeout": busy_timeout}
    else:
        if parsed.get_driver_name() == "psycopg":
            require("psycopg", extra="postgres", feature="a PostgreSQL store")
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {"connect_timeout": 5}
    try:
        engine = create_engine(parsed, **kwargs)
    except NoSuchModuleError:
        raise ConfigError(
            f"no database driver for {render_url(parsed)!r}", hint=f"use {_URL_EXAMPLES}"
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", partial(_sqlite_pragmas, busy_ms=int(busy_timeout * 1000)))
    return engine


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object, *, busy_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        with suppress(sqlite3.OperationalError):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def check_connection(engine: Engine) -> None:
    """Open one connection and run ``SELECT 1``, translating failures."""
    with translate_errors(engine), engine.connect() as conn:
        conn.execute(text("SELECT 1"))


@contextmanager
def translate_errors(engine: Engine) -> Iterator[None]:
    """Turn driver errors into colloquy storage errors that say how to fix them."""
    try:
        yield
    except DBAPIError as exc:
        raise storage_error(engine, exc) from None


def storage_error(engine: Engine, exc: DBAPIError) -> StorageError:
    """The one-line error for a driver failure: each cause its own message and fix.

    Causes are told apart by SQLite's error name or PostgreSQL's SQLSTATE where the
    driver gives one, else by the message, so a full disk, a held lock and a missing
    table are never all reported as a database that cannot be opened.
    """
    where = render_url(engine.url)
    cause = _cause(exc)
    if cause == "read-only":
        return _read_only(engine)
    if cause == "full":
        return StorageError(
            f"the disk holding database {where} is full: {_first_line(exc)}",
            hint="free space on that disk and run the command again; nothing was written",
        )
    if cause == "locked":
        return DatabaseUnavailableError(
            f"database {where} is locked: another process holds a write lock on it and did "
            "not release it in time",
            hint="run the command again when that process has finished, or stop it",
        )
    if cause == "no-table":
        return MigrationError(
            f"database {where} has no table {_missing_table(exc)}: it is not at colloquy's "
            "schema, or it was changed outside colloquy",
            hint="run `colloquy db upgrade`, or restore the database from a backup",
        )
    if cause == "conflict":
        return ConflictError(
            f"a write to database {where} conflicted with stored data: {_first_line(exc)}",
            hint="run the command again; if it persists, the store was changed outside colloquy",
        )
    if isinstance(exc, OperationalError):
        if engine.dialect.name == "sqlite":
            return DatabaseUnavailableError(
                f"cannot open SQLite database {engine.url.database}: {_first_line(exc)}",
                hint="check that the path exists and is a database you may read and write",
            )
        return DatabaseUnavailableError(
            f"cannot reach database {where}: {_first_line(exc)}",
            hint="check that the server is running and that host, port, user and database "
            "in COLLOQUY_DATABASE_URL are right",
        )
    return StorageError(f"database error on {where}: {_first_line(exc)}")


_SQLITE_CAUSES = {
    "SQLITE_FULL": "full",
    "SQLITE_BUSY": "locked",
    "SQLITE_LOCKED": "locked",
    "SQLITE_READONLY": "read-only",
    "SQLITE_CONSTRAINT_UNIQUE": "conflict",
    "SQLITE_CONSTRAINT_PRIMARYKEY": "conflict",
}
_POSTGRES_CAUSES = {
    "53100": "full",
    "55P03": "locked",
    "40P01": "locked",
    "25006": "read-only",
    "42P01": "no-table",
    "23505": "conflict",
}
_MESSAGE_CAUSES = (
    ("database or disk is full", "full"),
    ("no space left on device", "full"),
    ("database is locked", "locked"),
    ("no such table", "no-table"),
    ("readonly", "read-only"),
    ("read-only", "read-only"),
    ("read only", "read-only"),
)


def _cause(exc: DBAPIError) -> str | None:
    orig = exc.orig
    sqlite_name = getattr(orig, "sqlite_errorname", None)
    if isinstance(sqlite_name, str):
        primary = "_".join(sqlite_name.split("_")[:2])
        for name in (sqlite_name, primary):
            if name in _SQLITE_CAUSES:
                return _SQLITE_CAUSES[name]
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in _POSTGRES_CAUSES:
        return _POSTGRES_CAUSES[sqlstate]
    text_ = str(orig).lower()
    for needle, cause in _MESSAGE_CAUSES:
        if needle in text_:
            return cause
    return None


def _missing_table(exc: DBAPIError) -> str:
    match = re.search(r'no such table: (\S+)|relation "([^"]+)" does not exist', str(exc.orig))
    if match is None:
        return "it needs"
    return repr(match.group(1) or match.group(2))


def _read_only(engine: Engine) -> ReadOnlyStoreError:
    return ReadOnlyStoreError(
        f"database {render_url(engine.url)} is read-only",
        hint="make the file and its folder writable, or point COLLOQUY_DATABASE_URL elsewhere",
    )


def _first_line(exc: DBAPIError) -> str:
    lines = str(exc.orig).strip().splitlines()
    return lines[0] if lines else type(exc.orig).__name__
