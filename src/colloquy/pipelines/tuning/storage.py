"""Where studies live: an Optuna RDB storage beside the project's own tables.

Optuna and colloquy both version their tables with Alembic under the default
``alembic_version`` table, so the two cannot share one namespace: on SQLite the studies
go to a sibling file (``colloquy.db`` → ``colloquy.optuna.db``), on PostgreSQL to the
``optuna`` schema of the same database (through ``search_path`` in the URL, so the same URL
works for ``optuna-dashboard``). Several processes or machines share a study by sharing
that URL; PostgreSQL is the store for that, SQLite serialises writers on one machine.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from colloquy.errors import ConfigError, StorageError
from colloquy.extras import require
from colloquy.logging import reclaim_library_loggers

if TYPE_CHECKING:
    from optuna.storages import RDBStorage

SCHEMA = "optuna"
HEARTBEAT_SECONDS = 10
"""How often a running trial tells the storage it is alive."""
GRACE_SECONDS = 60
"""A running trial silent this long belongs to a dead worker and is failed (its work redone)."""

_SCHEMA_OPTION = f"-csearch_path={SCHEMA}"


def study_storage_url(database_url: str) -> str:
    """The Optuna storage URL that belongs to the project database ``database_url``."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise ConfigError(
            f"the database URL {database_url!r} is not a valid SQLAlchemy URL: {exc}",
            hint="use sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB",
        ) from None
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return database_url
        database = url.database
        stem, dot, suffix = database.rpartition(".")
        studies = f"{stem}.optuna.{suffix}" if dot and "/" not in suffix else f"{database}.optuna"
        return url.set(database=studies).render_as_string(hide_password=False)
    if url.get_backend_name() == "postgresql":
        if "options" in url.query:
            return url.render_as_string(hide_password=False)
        return url.update_query_dict({"options": _SCHEMA_OPTION}).render_as_string(
            hide_password=False
        )
    raise ConfigError(
        f"studies cannot be stored in a {url.get_backend_name()} database ({redact(database_url)})",
        hint="use a SQLite or PostgreSQL database URL",
    )


def open_storage(storage_url: str) -> RDBStorage:
    """The storage at ``storage_url``, its tables created; one StorageError line if it fails."""
    require("optuna", extra="pipelines", feature="tuning with Optuna")
    import optuna

    reclaim_library_loggers()  # importing optuna gave its logger a handler of its own
    import sqlalchemy.exc

    _ensure_schema(storage_url)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.storages.RDBStorage(
                storage_url,
                engine_kwargs=_engine_kwargs(storage_url),
                heartbeat_interval=HEARTBEAT_SECONDS,
                grace_period=GRACE_SECONDS,
            )
    except (sqlalchemy.exc.SQLAlchemyError, OSError, RuntimeError, ValueError) as exc:
        raise _storage_error(storage_url, exc) from None


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and logs)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


def dashboard_command(storage_url: str) -> str:
    """The shell command that opens ``optuna-dashboard`` on this storage."""
    return f"optuna-dashboard '{storage_url}'"


def _engine_kwargs(storage_url: str) -> dict[str, object]:
    if storage_url.startswith("sqlite"):
        # Workers on one machine wait for each other's writes instead of failing at once.
        return {"connect_args": {"timeout": 60}}
    return {"pool_pre_ping": True}


def _ensure_schema(storage_url: str) -> None:
    """Create the ``optuna`` schema named in a PostgreSQL URL's search_path (idempotent)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import IntegrityError, ProgrammingError, SQLAlchemyError

    url = make_url(storage_url)
    if url.get_backend_name() != "postgresql" or url.query.get("options") != _SCHEMA_OPTION:
        return
    engine = create_engine(url.difference_update_query(["options"]), pool_pre_ping=True)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"'))
    except (IntegrityError, ProgrammingError):
        # Another worker created it between our check and our insert.
        return
    except SQLAlchemyError as exc:
        raise _storage_error(storage_url, exc) from None
    finally:
        engine.dispose()


def _storage_error(storage_url: str, exc: BaseException) -> StorageError:
    reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[
        0
    ]
    return StorageError(
        f"cannot open the study storage {redact(storage_url)}: {reason[:300]}",
        hint="check that the database server is running and the URL, user and password "
        "are right (COLLOQUY_DATABASE_URL)",
    )


__all__ = [
    "GRACE_SECONDS",
    "HEARTBEAT_SECONDS",
    "SCHEMA",
    "dashboard_command",
    "open_storage",
    "redact",
    "study_storage_url",
]
