"""Monitoring reference snapshots kept in the store, one row per named reference.

The storage layer keeps the snapshot as a JSON document: the monitoring package above it
owns its shape and validates it on the way back, so a snapshot written by a newer colloquy
is refused there with a clear message rather than half-read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, DateTime, Integer, RowMapping, String, Table, Text, delete, select

from colloquy.errors import NotFoundError
from colloquy.storage.tables import metadata

if TYPE_CHECKING:
    from colloquy.storage.store import Store

MAX_REFERENCE_NAME = 200

monitoring_references = Table(
    "monitoring_references",
    metadata,
    Column("name", String(MAX_REFERENCE_NAME), primary_key=True),
    Column("source", String(500), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("document", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True, slots=True)
class ReferenceRow:
    """A stored snapshot: its name, where it came from, and its JSON document."""

    name: str
    source: str
    rows: int
    document: str
    created_at: datetime


def _row(row: RowMapping) -> ReferenceRow:
    created: datetime = row["created_at"]
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return ReferenceRow(
        name=row["name"],
        source=row["source"],
        rows=int(row["rows"]),
        document=row["document"],
        created_at=created,
    )


def save_reference(store: Store, name: str, *, source: str, rows: int, document: str) -> None:
    """Store (or replace) the snapshot called ``name``; the newest one wins."""
    with store.transaction() as conn:
        conn.execute(delete(monitoring_references).where(monitoring_references.c.name == name))
        conn.execute(
            monitoring_references.insert().values(
                name=name,
                source=source[:500],
                rows=rows,
                document=document,
                created_at=datetime.now(UTC),
            )
        )


def load_reference(store: Store, name: str) -> ReferenceRow:
    """The stored snapshot ``name``; :class:`NotFoundError` names the ones that exist."""
    with store.transaction() as conn:
        found = (
            conn.execute(select(monitoring_references).where(monitoring_references.c.name == name))
            .mappings()
            .first()
        )
    if found is None:
        known = ", ".join(r.name for r in list_references(store)) or "none"
        raise NotFoundError(
            f"no monitoring reference {name!r} in the store (stored: {known})",
            hint="create one with `colloquy monitor snapshot --name NAME`",
        )
    return _row(found)


def list_references(store: Store) -> tuple[ReferenceRow, ...]:
    """Every stored snapshot, by name."""
    with store.transaction() as conn:
        rows = (
            conn.execute(select(monitoring_references).order_by(monitoring_references.c.name))
            .mappings()
            .all()
        )
    return tuple(_row(r) for r in rows)
