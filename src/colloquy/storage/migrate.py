"""Schema migrations (Alembic, shipped inside the package) and the store's revision status.

``colloquy db upgrade`` calls :func:`upgrade`. A brand-new SQLite file is migrated
automatically on first open (:func:`ensure_schema`); any other database that is behind
gets a :class:`~colloquy.errors.MigrationError` telling the user to run the upgrade.

Reading the status takes one look at the table names and, where it exists, one query of
``alembic_version``, compared with the shipped chain (:mod:`colloquy.storage.revisions`);
Alembic itself is imported only by :func:`upgrade`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from colloquy.errors import MigrationError
from colloquy.storage.engine import render_url, translate_errors
from colloquy.storage.revisions import VERSIONS, head_revision, shipped_revisions
from colloquy.storage.tables import metadata

if TYPE_CHECKING:
    from alembic.config import Config

_SCRIPT_LOCATION = VERSIONS.parent

VERSION_TABLE = "alembic_version"


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    """Where a database stands against the migrations this version ships."""

    url: str
    current: str | None
    head: str
    pending: tuple[str, ...]

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def status(engine: Engine) -> SchemaStatus:
    """The current and head revisions and the revisions still to apply."""
    current, _tables = _inspect(engine)
    return _status(engine, current)


def upgrade(engine: Engine, revision: str = "head") -> SchemaStatus:
    """Apply every pending migration (in one transaction per revision)."""
    from alembic import command

    status(engine)
    config = _alembic_config()
    with translate_errors(engine), engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return status(engine)


def ensure_schema(engine: Engine) -> None:
    """Migrate a fresh SQLite database; refuse to use one that is behind or lacks a table.

    PostgreSQL databases are shared infrastructure, so they are only ever migrated by
    an explicit ``colloquy db upgrade``.
    """
    current_revision, tables = _inspect(engine)
    current = _status(engine, current_revision)
    if current.up_to_date:
        missing = sorted(set(metadata.tables) - tables)
        if missing:
            raise MigrationError(
                f"database {current.url} is at colloquy's schema but has no table "
                f"{', '.join(missing)}: it was changed outside colloquy",
                hint="restore it from a backup, or point COLLOQUY_DATABASE_URL at a new "
                "database and run `colloquy db upgrade`",
            )
        return
    fresh = current.current is None and not tables - {VERSION_TABLE}
    if fresh and engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    raise MigrationError(
        f"database {current.url} is at revision {current.current or 'none'}, "
        f"this version of colloquy needs {current.head}",
        hint="run `colloquy db upgrade`",
    )


def _inspect(engine: Engine) -> tuple[str | None, set[str]]:
    """The database's revision (None before the first migration) and its table names."""
    with translate_errors(engine), engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        current = _current_revision(engine, conn) if VERSION_TABLE in tables else None
    return current, tables


def _current_revision(engine: Engine, conn: Connection) -> str | None:
    rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(rows) > 1:
        raise MigrationError(
            f"database {render_url(engine.url)} records several schema revisions "
            f"({', '.join(sorted(rows))}): it was changed outside colloquy",
            hint="restore it from a backup, or point COLLOQUY_DATABASE_URL at a new database",
        )
    return rows[0] if rows else None


def _status(engine: Engine, current: str | None) -> SchemaStatus:
    chain = shipped_revisions()
    url = render_url(engine.url)
    if current is not None and current not in chain:
        raise MigrationError(
            f"database {url} is at revision {current!r}, which this "
            "version of colloquy does not know",
            hint="upgrade colloquy, or point COLLOQUY_DATABASE_URL at another database",
        )
    done = chain.index(current) + 1 if current is not None else 0
    return SchemaStatus(url=url, current=current, head=head_revision(), pending=chain[done:])


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPT_LOCATION))
    return config
