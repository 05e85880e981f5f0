"""Rows of a SQL query, one turn per row, through SQLAlchemy (any database it can reach).

Database drivers and SQLAlchemy report failures over several lines — the statement, its
parameters, a documentation link. A user needs the first line of what the database said
and which database it was (the URL without its password), so that is all an error says.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from colloquy.data.loaders.base import LoadReport, OnError
from colloquy.data.loaders.tabular.assembly import Record
from colloquy.data.loaders.tabular.base import TabularLoader
from colloquy.data.loaders.tabular.mapping import ColumnMapping
from colloquy.errors import DataError, NotFoundError, UsageError
from colloquy.schema import Conversation

if TYPE_CHECKING:
    from sqlalchemy import Engine

_SQL_HINT = "check the URL, the query and that the database is reachable"


@dataclass(frozen=True, slots=True)
class SqlQuerySource:
    """A SQLAlchemy URL and the query whose rows are the turns (ORDER BY conversation)."""

    url: str
    query: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def display(self) -> str:
        """The URL with its password hidden, for messages."""
        from sqlalchemy import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            return make_url(self.url).render_as_string(hide_password=True)
        except ArgumentError:
            return "<invalid database URL>"

    def first_line(self, exc: BaseException) -> str:
        """The first line of what the database (or driver) said, without the password."""
        from sqlalchemy.exc import DBAPIError

        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
        text = lines[0] if lines else type(cause).__name__
        password = self._password()
        return text.replace(password, "***") if password else text

    def _password(self) -> str | None:
        from sqlalchemy import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            return make_url(self.url).password
        except ArgumentError:
            return None


class SqlLoader(TabularLoader):
    """Streams a query's rows (server-side cursor where the driver has one).

    ``load`` takes a :class:`SqlQuerySource`, a database URL (with ``query`` given to the
    constructor) or the path of a SQLite file (likewise). Row numbers stand in for lines.
    """

    name = "sql"
    description = "rows of a SQL query (SQLAlchemy URL), through a column mapping"
    layout = "a SQLAlchemy database URL or a SQLite file, plus a query"
    suffixes = (".db", ".sqlite", ".sqlite3")

    def __init__(
        self,
        *,
        mapping: ColumnMapping,
        query: str | None = None,
        on_error: OnError = "fail",
        batch_size: int = 1_000,
    ) -> None:
        super().__init__(mapping=mapping, on_error=on_error, batch_size=batch_size)
        self.query = query

    def load(self, path: Path | str | SqlQuerySource) -> Iterator[Conversation]:
        """Yield the conversations a query returns; see :attr:`report` afterwards."""
        if isinstance(path, str) and "://" in path:
            path = SqlQuerySource(path, self._require_query())
        if not isinstance(path, SqlQuerySource):
            yield from super().load(path)
            return
        self.report = LoadReport(source=self.name)
        for conversation in self._load_query(path):
            self.report.conversations += 1
            self.report.turns += len(conversation.turns)
            yield conversation

    def _require_query(self) -> str:
        if self.query is None:
            raise UsageError("the sql source needs a query", hint="pass query='SELECT …'")
        return self.query

    def _load_query(self, source: SqlQuerySource) -> Iterator[Conversation]:
        self.report.files.append(source.display)
        records = self._query_records(source)
        yield from self._assembler(source.display, "row", {}).run(records)

    def _records(self, file: Path) -> Iterator[tuple[int, Record]]:
        file.open("rb").close()
        url = f"sqlite:///{file.absolute()}"
        yield from self._query_records(SqlQuerySource(url, self._require_query()))

    def _query_records(self, source: SqlQuerySource) -> Iterator[tuple[int, Record]]:
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        engine = _engine(source)
        try:
            with engine.connect() as connection:
                options = connection.execution_options(
                    stream_results=True, yield_per=self.batch_size
                )
                result = options.execute(text(source.query), dict(source.params))
                if not self._columns_present(source.display, None, list(result.keys())):
                    return
                for number, row in enumerate(result, start=1):
                    yield number, dict(row._mapping)
        except SQLAlchemyError as exc:
            raise DataError(
                f"query on {source.display} failed: {source.first_line(exc)}", hint=_SQL_HINT
            ) from None
        finally:
            engine.dispose()


def _engine(source: SqlQuerySource) -> Engine:
    """An engine for ``source``; a SQLite file must already exist (no empty file is made)."""
    from sqlalchemy import create_engine, make_url
    from sqlalchemy.exc import SQLAlchemyError

    try:
        url = make_url(source.url)
        database = url.database
        sqlite_file = url.get_backend_name() == "sqlite" and "uri" not in url.query
        if sqlite_file and database and database != ":memory:" and not Path(database).exists():
            raise NotFoundError(
                f"SQLite database {database} does not exist", hint="check the URL's path"
            )
        return create_engine(url)
    except (SQLAlchemyError, ImportError) as exc:
        raise DataError(
            f"cannot open {source.display}: {source.first_line(exc)}",
            hint="check the URL (dialect+driver://user@host/database) and that its driver "
            "is installed",
        ) from None


__all__ = ["SqlLoader", "SqlQuerySource"]
