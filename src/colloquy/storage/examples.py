"""Labelled example sets for few-shot prompts, with their embeddings, in the project database.

A set is named, built with one embedder (its id and vector width are stored, so vectors
from another model are never mixed in) and versioned: every change (an add, a removal,
an import) bumps the set's version in the same transaction and appends a row to
``llm_example_versions`` with a fingerprint of the content after it, so a few-shot result
can name the exact example set it used and the history says how the set got there.

Vectors are float32 bytes (``LargeBinary``: BLOB on SQLite, BYTEA on PostgreSQL); the
similarity search itself runs in memory in :mod:`colloquy.llm.examples`, which reads a set
once. Duplicate detection by meaning happens there too; here an example is unique per set
by ``text_key`` (a hash of its label and normalised text), which catches exact copies
even when two writers race.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    Row,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
    update,
)

from colloquy.errors import ConflictError, NotFoundError, UsageError
from colloquy.storage.tables import metadata

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from colloquy.storage.store import Store

MAX_SET_NAME_LENGTH = 64
MAX_LABEL_LENGTH = 200
MAX_SOURCE_LENGTH = 200
MAX_CHANGE_LENGTH = 200

llm_example_sets = Table(
    "llm_example_sets",
    metadata,
    Column("name", String(MAX_SET_NAME_LENGTH), primary_key=True),
    Column("embedder", String(200), nullable=False),
    Column("dimension", Integer, nullable=False),
    Column("dedupe_threshold", Float, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

llm_examples = Table(
    "llm_examples",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "set_name",
        String(MAX_SET_NAME_LENGTH),
        ForeignKey("llm_example_sets.name", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("text_key", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("label", String(MAX_LABEL_LENGTH), nullable=False),
    Column("source", String(MAX_SOURCE_LENGTH), nullable=False),
    Column("vector", LargeBinary, nullable=False),
    Column("added_in", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("set_name", "text_key", name="uq_llm_examples_set_key"),
)

llm_example_versions = Table(
    "llm_example_versions",
    metadata,
    Column(
        "set_name",
        String(MAX_SET_NAME_LENGTH),
        ForeignKey("llm_example_sets.name", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("version", Integer, primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("examples", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("change", String(MAX_CHANGE_LENGTH), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


@dataclass(frozen=True, slots=True)
class ExampleSetInfo:
    name: str
    embedder: str
    dimension: int
    dedupe_threshold: float
    version: int
    examples: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class StoredExample:
    """One stored example; ``vector`` is ``dimension`` float32 values as bytes."""

    text_key: str
    text: str
    label: str
    source: str
    vector: bytes
    added_in: int


@dataclass(frozen=True, slots=True)
class ExampleSetVersion:
    version: int
    fingerprint: str
    examples: int
    added: int
    removed: int
    change: str
    created_at: datetime


def _utc(value: datetime) -> datetime:
    """SQLite gives naive datetimes back; every datetime here is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def check_set_name(name: str) -> str:
    if not name.strip() or len(name) > MAX_SET_NAME_LENGTH:
        raise UsageError(
            f"example set name {name!r} must be 1 to {MAX_SET_NAME_LENGTH} characters",
            hint="choose a short name such as 'banking77'",
        )
    return name


class ExampleRepository:
    """Example sets in ``store``: one transaction per call."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(
        self, name: str, *, embedder: str, dimension: int, dedupe_threshold: float
    ) -> ExampleSetInfo:
        """A new, empty set at version 0; a set of that name already there is a conflict."""
        check_set_name(name)
        with self.store.transaction() as conn:
            if _find(conn, name) is not None:
                raise ConflictError(
                    f"example set {name!r} already exists",
                    hint="open it instead, or delete it first",
                )
            conn.execute(
                insert(llm_example_sets).values(
                    name=name,
                    embedder=embedder,
                    dimension=dimension,
                    dedupe_threshold=dedupe_threshold,
                    version=0,
                )
            )
            found = _find(conn, name)
        assert found is not None
        return found

    def find(self, name: str) -> ExampleSetInfo | None:
        with self.store.transaction() as conn:
            return _find(conn, name)

    def info(self, name: str) -> ExampleSetInfo:
        found = self.find(name)
        if found is None:
            raise NotFoundError(
                f"no example set named {name!r}",
                hint="list the sets with `colloquy prompts examples list`",
            )
        return found

    def sets(self) -> list[ExampleSetInfo]:
        with self.store.transaction() as conn:
            names = conn.execute(
                select(llm_example_sets.c.name).order_by(llm_example_sets.c.name)
            ).scalars()
            return [info for n in list(names) if (info := _find(conn, n)) is not None]

    def examples(self, name: str) -> list[StoredExample]:
        """Every example of the set, in the order they were added."""
        self.info(name)
        columns = (
            llm_examples.c.text_key,
            llm_examples.c.text,
            llm_examples.c.label,
            llm_examples.c.source,
            llm_examples.c.vector,
            llm_examples.c.added_in,
        )
        with self.store.transaction() as conn:
            rows = conn.execute(
                select(*columns).where(llm_examples.c.set_name == name).order_by(llm_examples.c.id)
            ).all()
        return [
            StoredExample(r.text_key, r.text, r.label, r.source, bytes(r.vector), r.added_in)
            for r in rows
        ]

    def change(
        self,
        name: str,
        *,
        add: Sequence[StoredExample] = (),
        remove: Sequence[str] = (),
        fingerprint: str,
        change: str,
    ) -> int:
        """Add ``add`` and delete the ``remove`` text keys as one new version; returns it.

        ``fingerprint`` describes the content after the change (computed by the caller,
        which knows what the content means). An added key already in the set is a
        :class:`ConflictError` and nothing changes.
        """
        with self.store.transaction() as conn:
            current = _find(conn, name)
            if current is None:
                raise NotFoundError(f"no example set named {name!r}")
            version = current.version + 1
            if add:
                keys = [e.text_key for e in add]
                clash = conn.execute(
                    select(llm_examples.c.text)
                    .where(llm_examples.c.set_name == name, llm_examples.c.text_key.in_(keys))
                    .limit(1)
                ).scalar()
                if clash is not None or len(set(keys)) != len(keys):
                    raise ConflictError(
                        f"example set {name!r} already holds {clash!r}"
                        if clash is not None
                        else "the same example is added twice in one change",
                        hint="reload the set: another writer may have changed it",
                    )
                conn.execute(
                    insert(llm_examples),
                    [
                        {
                            "set_name": name,
                            "text_key": e.text_key,
                            "text": e.text,
                            "label": e.label[:MAX_LABEL_LENGTH],
                            "source": e.source[:MAX_SOURCE_LENGTH],
                            "vector": e.vector,
                            "added_in": version,
                        }
                        for e in add
                    ],
                )
            removed = 0
            if remove:
                removed = conn.execute(
                    delete(llm_examples).where(
                        llm_examples.c.set_name == name, llm_examples.c.text_key.in_(list(remove))
                    )
                ).rowcount
            count = _count(conn, name)
            conn.execute(
                update(llm_example_sets)
                .where(llm_example_sets.c.name == name)
                .values(version=version, updated_at=func.now())
            )
            conn.execute(
                insert(llm_example_versions).values(
                    set_name=name,
                    version=version,
                    fingerprint=fingerprint,
                    examples=count,
                    added=len(add),
                    removed=removed,
                    change=change[:MAX_CHANGE_LENGTH],
                )
            )
        return version

    def versions(self, name: str) -> list[ExampleSetVersion]:
        """The set's history, oldest first."""
        self.info(name)
        with self.store.transaction() as conn:
            rows = conn.execute(
                select(llm_example_versions)
                .where(llm_example_versions.c.set_name == name)
                .order_by(llm_example_versions.c.version)
            ).all()
        return [
            ExampleSetVersion(
                r.version,
                r.fingerprint,
                r.examples,
                r.added,
                r.removed,
                r.change,
                _utc(r.created_at),
            )
            for r in rows
        ]

    def delete(self, name: str) -> None:
        """The set, its examples and its history."""
        self.info(name)
        with self.store.transaction() as conn:
            for table in (llm_example_versions, llm_examples):
                conn.execute(delete(table).where(table.c.set_name == name))
            conn.execute(delete(llm_example_sets).where(llm_example_sets.c.name == name))


def _count(conn: Connection, name: str) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(llm_examples).where(llm_examples.c.set_name == name)
        ).scalar_one()
    )


def _find(conn: Connection, name: str) -> ExampleSetInfo | None:
    row: Row[Any] | None = conn.execute(
        select(llm_example_sets).where(llm_example_sets.c.name == name)
    ).first()
    if row is None:
        return None
    return ExampleSetInfo(
        name=row.name,
        embedder=row.embedder,
        dimension=row.dimension,
        dedupe_threshold=float(row.dedupe_threshold),
        version=row.version,
        examples=_count(conn, name),
        updated_at=_utc(row.updated_at),
    )


__all__ = [
    "ExampleRepository",
    "ExampleSetInfo",
    "ExampleSetVersion",
    "StoredExample",
    "check_set_name",
    "llm_example_sets",
    "llm_example_versions",
    "llm_examples",
]
