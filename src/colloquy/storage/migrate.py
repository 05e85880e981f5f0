"""Schema migrations (Alembic, shipped inside the package) and the store's revision status.

``colloquy db upgrade`` calls :func:`upgrade`. A brand-new SQLite file is migrated
automatically on first open (:func:`ensure_schema`); any other database that is behind
gets a :class:`~colloquy.errors.MigrationError` telling the user to run the upgrade.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from colloquy.errors import MigrationError
from colloquy.storage.engine import render_url, translate_errors
from colloquy.storage.tables import metadata

_SCRIPT_LOCATION = Path(__file__).with_name("alembic")


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


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPT_LOCATION))
    return config


def head_revision() -> str:
    """The newest revision shipped with this version of colloquy."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "colloquy ships at least one migration"
    return head


def status(engine: Engine) -> SchemaStatus:
    """The current and head revisions and the revisions still to apply."""
    script = ScriptDirectory.from_config(_alembic_config())
    with translate_errors(engine), engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    head = head_revision()
    if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
        raise MigrationError(
            f"database {render_url(engine.url)} is at revision {current!r}, which this "
            "version of colloquy does not know",
            hint="upgrade colloquy, or point COLLOQUY_DATABASE_URL at another database",
        )
    pending = [
        rev.revision
        for rev in script.iterate_revisions(head, current or "base")
        if rev.revision != current
    ]
    return SchemaStatus(
        url=render_url(engine.url), current=current, head=head, pending=tuple(reversed(pending))
    )


def upgrade(engine: Engine, revision: str = "head") -> SchemaStatus:
    """Apply every pending migration (in one transaction per revision)."""
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
    current = status(engine)
    with translate_errors(engine), engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
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
    fresh = current.current is None and not tables - {"alembic_version"}
    if fresh and engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    raise MigrationError(
        f"database {current.url} is at revision {current.current or 'none'}, "
        f"this version of colloquy needs {current.head}",
        hint="run `colloquy db upgrade`",
    )
