"""Engines for SQLite (the embedded default) and PostgreSQL, with errors a user can act on.

SQLite files get WAL journalling, foreign keys and ``synchronous=NORMAL`` on every
connection; their folder is created on first use. Connection problems (a malformed URL,
an unknown driver, a server that does not answer, a file that cannot be opened or
written) become :mod:`colloquy.errors` exceptions with a one-line fix.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError

from colloquy.errors import ConfigError, DatabaseUnavailableError, ReadOnlyStoreError, StorageError
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


def create_store_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite folders are created and pragmas set per connection."""
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
        kwargs["connect_args"] = {"timeout": 30}
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
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
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
    except OperationalError as exc:
        raise _operational(engine, exc) from None
    except DBAPIError as exc:
        if _is_read_only(exc):
            raise _read_only(engine) from None
        raise StorageError(
            f"database error on {render_url(engine.url)}: {_first_line(exc)}"
        ) from exc


def _operational(engine: Engine, exc: OperationalError) -> StorageError:
    where = render_url(engine.url)
    if _is_read_only(exc):
        return _read_only(engine)
    message = _first_line(exc)
    if engine.dialect.name == "sqlite":
        return DatabaseUnavailableError(
            f"cannot open SQLite database {engine.url.database}: {message}",
            hint="check that the path exists and is a database you may read and write",
        )
    return DatabaseUnavailableError(
        f"cannot reach database {where}: {message}",
        hint="check that the server is running and that host, port, user and database "
        "in COLLOQUY_DATABASE_URL are right",
    )


def _read_only(engine: Engine) -> ReadOnlyStoreError:
    return ReadOnlyStoreError(
        f"database {render_url(engine.url)} is read-only",
        hint="make the file and its folder writable, or point COLLOQUY_DATABASE_URL elsewhere",
    )


def _is_read_only(exc: DBAPIError) -> bool:
    text_ = str(exc.orig).lower()
    return "readonly" in text_ or "read-only" in text_ or "read only" in text_


def _first_line(exc: DBAPIError) -> str:
    lines = str(exc.orig).strip().splitlines()
    return lines[0] if lines else type(exc.orig).__name__
