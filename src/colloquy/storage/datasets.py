"""Datasets: create (safely under concurrent ingests), describe, count and delete.

Functions take a connection whose transaction the caller owns (see
:class:`colloquy.storage.store.Store`), so they compose into one all-or-nothing operation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from colloquy.errors import ConflictError, NotFoundError, UsageError
from colloquy.schema.conversation import MAX_NAME_LENGTH, MAX_SOURCE_LENGTH, nul_problem
from colloquy.storage.tables import conversations, datasets, splits, turns


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """A stored dataset and its size."""

    id: int
    name: str
    source: str
    description: str | None
    params: dict[str, Any]
    created_at: datetime
    conversations: int
    turns: int


@dataclass(frozen=True, slots=True)
class DatasetStats:
    """What is in a dataset: turns per speaker, outcomes, and each label's distribution."""

    speakers: dict[str, int]
    outcomes: dict[str, int]
    labels: dict[str, dict[str, int]]


def check_name(kind: str, name: str, *, limit: int = MAX_NAME_LENGTH) -> None:
    """Refuse a name the store's columns cannot hold, the same way on every backend."""
    if not name:
        raise UsageError(f"the {kind} name is empty", hint=f"give the {kind} a name")
    if len(name) > limit:
        raise UsageError(
            f"the {kind} name {name[:40]!r}… is {len(name)} characters long; at most {limit}",
            hint=f"choose a shorter {kind} name",
        )
    if nul_problem(name) is not None:
        raise UsageError(
            f"the {kind} name {name!r} holds a NUL character",
            hint=f"remove it from the {kind} name",
        )


def create_dataset(
    conn: Connection,
    *,
    name: str,
    source: str,
    description: str | None = None,
    params: dict[str, Any] | None = None,
) -> int:
    """Create the dataset ``name`` (or return its id when it exists with the same source).

    The row is inserted with ``ON CONFLICT DO NOTHING`` and then read back locked, so a
    second ingest into the same new dataset waits for the first to commit and then finds
    its conversations as duplicates, instead of failing on the unique name.
    """
    check_name("dataset", name)
    check_name("source", source, limit=MAX_SOURCE_LENGTH)
    for what, value in (("description", description), ("params", params)):
        if nul_problem(value) is not None:
            raise UsageError(
                f"the dataset {what} holds a NUL character", hint=f"remove it from the {what}"
            )
    _insert_unless_named(
        conn, {"name": name, "source": source, "description": description, "params": params or {}}
    )
    row = conn.execute(
        select(datasets.c.id, datasets.c.source).where(datasets.c.name == name).with_for_update()
    ).one()
    if row.source != source:
        raise ConflictError(
            f"dataset {name!r} already holds {row.source!r} data, not {source!r}",
            hint="choose another --dataset name",
        )
    return int(row.id)


def _insert_unless_named(conn: Connection, values: dict[str, Any]) -> None:
    """``INSERT … ON CONFLICT (name) DO NOTHING`` in the connection's own dialect."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        conn.execute(
            postgresql_insert(datasets)
            .values(values)
            .on_conflict_do_nothing(index_elements=[datasets.c.name])
        )
        return
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    conn.execute(
        sqlite_insert(datasets)
        .values(values)
        .on_conflict_do_nothing(index_elements=[datasets.c.name])
    )


def append_ingest_record(conn: Connection, *, dataset_id: int, entry: dict[str, Any]) -> None:
    """Add one ingest's record (when, what, how) to the dataset's ``params["ingests"]``.

    NUL characters quoted from the input (a skipped row's text) are written as ``\\x00``,
    since PostgreSQL's JSON refuses them.
    """
    params = conn.execute(select(datasets.c.params).where(datasets.c.id == dataset_id)).scalar_one()
    params = dict(params or {})
    stamped = {"at": datetime.now(UTC).isoformat(), **_escape_nul(entry)}
    params["ingests"] = [*params.get("ingests", []), stamped]
    conn.execute(update(datasets).where(datasets.c.id == dataset_id).values(params=params))


def _escape_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\\x00")
    if isinstance(value, dict):
        return {_escape_nul(k): _escape_nul(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_escape_nul(v) for v in value]
    return value


def get_dataset(conn: Connection, *, name: str) -> DatasetInfo:
    """The dataset ``name`` with its counts; :class:`NotFoundError` lists the known names."""
    for info in list_datasets(conn, name=name):
        return info
    known = [info.name for info in list_datasets(conn)]
    raise NotFoundError(
        f"no dataset named {name!r}",
        hint=f"known datasets: {', '.join(known)}"
        if known
        else "ingest one with `colloquy data ingest`",
    )


def list_datasets(conn: Connection, *, name: str | None = None) -> list[DatasetInfo]:
    """Every dataset (or just ``name``) with conversation and turn counts."""
    counts = (
        select(
            conversations.c.dataset_id,
            func.count().label("n_conv"),
            func.coalesce(func.sum(conversations.c.n_turns), 0).label("n_turns"),
        )
        .group_by(conversations.c.dataset_id)
        .subquery()
    )
    query = (
        select(datasets, counts.c.n_conv, counts.c.n_turns)
        .outerjoin(counts, counts.c.dataset_id == datasets.c.id)
        .order_by(datasets.c.name)
    )
    if name is not None:
        query = query.where(datasets.c.name == name)
    return [
        DatasetInfo(
            id=row.id,
            name=row.name,
            source=row.source,
            description=row.description,
            params=dict(row.params or {}),
            created_at=_utc(row.created_at),
            conversations=int(row.n_conv or 0),
            turns=int(row.n_turns or 0),
        )
        for row in conn.execute(query)
    ]


def dataset_stats(conn: Connection, *, dataset_id: int, max_values: int = 200) -> DatasetStats:
    """Counts for ``colloquy data show``; labels are counted per key for scalar values.

    Label keys with more than ``max_values`` distinct values (ids, free text) are dropped
    from the result rather than listed.
    """
    in_dataset = conversations.c.dataset_id == dataset_id
    speakers = {
        row.speaker: int(row.n)
        for row in conn.execute(
            select(turns.c.speaker, func.count().label("n"))
            .join(conversations, conversations.c.pk == turns.c.conversation_pk)
            .where(in_dataset)
            .group_by(turns.c.speaker)
        )
    }
    outcomes: dict[str, int] = {}
    for row in conn.execute(
        select(
            conversations.c.has_outcome, conversations.c.outcome_converted, func.count().label("n")
        )
        .where(in_dataset)
        .group_by(conversations.c.has_outcome, conversations.c.outcome_converted)
    ):
        key = "no outcome" if not row.has_outcome else f"converted={row.outcome_converted}"
        outcomes[key] = outcomes.get(key, 0) + int(row.n)
    labels: dict[str, dict[str, int]] = {}
    overflow: set[str] = set()
    rows = conn.execution_options(yield_per=5000).execute(
        select(conversations.c.labels).where(in_dataset)
    )
    for (label_map,) in rows:
        for key, value in (label_map or {}).items():
            if key in overflow or isinstance(value, (dict, list)):
                continue
            counts = labels.setdefault(key, {})
            counts[str(value)] = counts.get(str(value), 0) + 1
            if len(counts) > max_values:
                overflow.add(key)
                del labels[key]
    return DatasetStats(speakers=speakers, outcomes=outcomes, labels=labels)


def delete_dataset(conn: Connection, *, name: str) -> None:
    """Remove a dataset with all its conversations and turns."""
    dataset_id = get_dataset(conn, name=name).id
    conv_pks = select(conversations.c.pk).where(conversations.c.dataset_id == dataset_id)
    conn.execute(delete(turns).where(turns.c.conversation_pk.in_(conv_pks)))
    conn.execute(delete(splits).where(splits.c.dataset_id == dataset_id))
    conn.execute(delete(conversations).where(conversations.c.dataset_id == dataset_id))
    conn.execute(delete(datasets).where(datasets.c.id == dataset_id))


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
