"""The conversation store: one engine, checked schema, one transaction per operation.

Everything above storage talks to a :class:`Store`; it never sees a driver error, only
:mod:`colloquy.errors`. An ingest runs in a single transaction, so a failure anywhere in
it (a bad record, a conflict, an interrupt) leaves the store exactly as it was. The
bulk-write machinery is imported by the first ingest, so commands that only read start
without it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine

from colloquy.logging import get_logger
from colloquy.progress import ProgressCallback
from colloquy.schema import Conversation
from colloquy.storage import datasets as dataset_rows
from colloquy.storage import reading, splits
from colloquy.storage.datasets import DatasetInfo, DatasetStats
from colloquy.storage.engine import (
    check_connection,
    create_store_engine,
    render_url,
    translate_errors,
)
from colloquy.storage.migrate import SchemaStatus, ensure_schema, status, upgrade

if TYPE_CHECKING:
    from colloquy.storage.analyses import AnalysisRepository
    from colloquy.storage.bulk import InsertReport


def _log() -> Any:
    """The module's logger, made when a write first logs: reads start without structlog."""
    return get_logger(__name__)


class Store:
    """A SQLite or PostgreSQL database holding datasets of conversations."""

    def __init__(self, engine: Engine, *, batch_size: int = 2000) -> None:
        self.engine = engine
        self.batch_size = batch_size

    @classmethod
    def open(
        cls, url: str, *, batch_size: int = 2000, echo: bool = False, busy_timeout: float = 30
    ) -> Store:
        """Connect to ``url`` and make sure its schema is current (new SQLite files are
        migrated on the spot). ``busy_timeout``: seconds to wait for another writer."""
        engine = create_store_engine(url, echo=echo, busy_timeout=busy_timeout)
        check_connection(engine)
        ensure_schema(engine)
        return cls(engine, batch_size=batch_size)

    @classmethod
    def connect(
        cls, url: str, *, batch_size: int = 2000, echo: bool = False, busy_timeout: float = 30
    ) -> Store:
        """Connect to ``url`` without touching its schema (for ``db status``/``db upgrade``)."""
        engine = create_store_engine(url, echo=echo, busy_timeout=busy_timeout)
        check_connection(engine)
        return cls(engine, batch_size=batch_size)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        with translate_errors(self.engine), self.engine.begin() as conn:
            yield conn

    def schema_status(self) -> SchemaStatus:
        return status(self.engine)

    def upgrade(self) -> SchemaStatus:
        result = upgrade(self.engine)
        _log().info("db.upgraded", url=result.url, revision=result.current)
        return result

    def ingest(
        self,
        *,
        dataset: str,
        source: str,
        conversations: Iterable[Conversation],
        description: str | None = None,
        params: dict[str, Any] | None = None,
        record: Callable[[], dict[str, Any]] | None = None,
        on_batch: ProgressCallback | None = None,
    ) -> InsertReport:
        """Store ``conversations`` under ``dataset``, all or nothing; duplicates are skipped.

        ``record``, called once every conversation has been consumed, returns what was done
        to the data (cleaning, masking, skipped rows); it is appended, with the counts, to
        the dataset's ``params["ingests"]`` in the same transaction.
        """
        from colloquy.storage.bulk import insert_conversations

        log = _log()
        log.info("ingest.started", dataset=dataset, source=source, url=render_url(self.engine.url))
        with self.transaction() as conn:
            dataset_id = dataset_rows.create_dataset(
                conn, name=dataset, source=source, description=description, params=params
            )
            report = insert_conversations(
                conn,
                dataset_id=dataset_id,
                dataset_name=dataset,
                conversations_=conversations,
                batch_size=self.batch_size,
                on_batch=on_batch,
            )
            entry = {
                **(record() if record is not None else {}),
                "received": report.received,
                "inserted": report.inserted,
                "duplicates": report.duplicates,
                "turns": report.turns,
            }
            dataset_rows.append_ingest_record(conn, dataset_id=dataset_id, entry=entry)
        log.info(
            "ingest.committed",
            dataset=dataset,
            received=report.received,
            inserted=report.inserted,
            duplicates=report.duplicates,
            turns=report.turns,
        )
        return report

    def datasets(self) -> list[DatasetInfo]:
        with self.transaction() as conn:
            return dataset_rows.list_datasets(conn)

    def dataset(self, name: str) -> DatasetInfo:
        with self.transaction() as conn:
            return dataset_rows.get_dataset(conn, name=name)

    def stats(self, name: str) -> DatasetStats:
        with self.transaction() as conn:
            dataset_id = dataset_rows.get_dataset(conn, name=name).id
            return dataset_rows.dataset_stats(conn, dataset_id=dataset_id)

    def save_split(
        self, dataset: str, name: str, *, ids_sha256: str, document: dict[str, Any]
    ) -> None:
        """Keep a split (as ``Split.to_dict()``) with its dataset, replacing one so named."""
        with self.transaction() as conn:
            dataset_id = dataset_rows.get_dataset(conn, name=dataset).id
            splits.save_split(
                conn, dataset_id=dataset_id, name=name, ids_sha256=ids_sha256, document=document
            )

    def load_split(self, dataset: str, name: str) -> dict[str, Any]:
        with self.transaction() as conn:
            dataset_id = dataset_rows.get_dataset(conn, name=dataset).id
            return splits.load_split(conn, dataset_id=dataset_id, dataset_name=dataset, name=name)

    def delete_dataset(self, name: str) -> None:
        with self.transaction() as conn:
            dataset_rows.delete_dataset(conn, name=name)

    @property
    def analyses(self) -> AnalysisRepository:
        """Stored per-conversation analyses and dataset aggregates (JSON payloads)."""
        from colloquy.storage.analyses import AnalysisRepository

        return AnalysisRepository(self.engine)

    def conversations(self, dataset: str, *, batch_size: int = 500) -> Iterator[Conversation]:
        """Stream a dataset's conversations; memory is bounded by ``batch_size``."""
        with translate_errors(self.engine), self.engine.connect() as conn:
            dataset_id = dataset_rows.get_dataset(conn, name=dataset).id
            yield from reading.iter_conversations(
                conn, dataset_id=dataset_id, batch_size=batch_size
            )

    def conversations_by_id(
        self, dataset: str, ids: Collection[str], *, batch_size: int = 500
    ) -> Iterator[Conversation]:
        """Stream only the named conversations, in insertion order; unknown ids are skipped.

        Incremental analysis re-reads the few new or changed conversations of a large
        dataset without reading the rest.
        """
        with translate_errors(self.engine), self.engine.connect() as conn:
            dataset_id = dataset_rows.get_dataset(conn, name=dataset).id
            yield from reading.iter_conversations(
                conn, dataset_id=dataset_id, batch_size=batch_size, external_ids=ids
            )
