"""Alembic environment: runs migrations on the connection colloquy hands it."""

from __future__ import annotations

from alembic import context

from colloquy.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("colloquy runs migrations through colloquy.storage.migrate only")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
