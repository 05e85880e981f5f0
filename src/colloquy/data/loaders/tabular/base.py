"""Conversations from any table: CSV, JSONL, Parquet or a SQL query, through a column mapping.

Most teams already keep their chats in a table — one row per message, exported from a help
desk, a warehouse or a spreadsheet. Rather than one loader per export, a
:class:`ColumnMapping` says which column holds what, and one assembler turns rows into
``Conversation`` records whatever the format:

- ``conversation_id`` groups rows into conversations. Without it every row is its own
  one-turn customer conversation (id ``<file stem>-<row>``), the shape of intent datasets.
- Rows of one conversation must be **contiguous**. The loaders stream — memory holds one
  conversation plus the set of ids already finished — so an id that re-appears after
  another conversation is reported as a problem at that row rather than silently merged
  or split. Sort the export by conversation id (``ORDER BY`` in SQL) first.
- ``turn_order`` sorts the turns inside a conversation (numbers or timestamps); without it
  the file order is the turn order.
- Conversation-level columns (``labels``, ``metadata``, ``outcome``) take the first
  non-empty value among the conversation's rows.
- Speaker values are matched case-insensitively against :data:`DEFAULT_SPEAKER_MAP`
  extended by ``speaker_map``; an unknown value is a problem naming the valid ones.

A mapped column missing from a file is reported once for that file (naming the column,
the file and the columns it has) and the file is left out; a bad row is reported with its
file and line and, under ``on_error="skip"``, left out of its conversation.
"""

from __future__ import annotations

import csv
import json
import math
import re
from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from colloquy.data.loaders.base import Loader, LoadReport, OnError
from colloquy.errors import DataError, UsageError
from colloquy.schema import Conversation, Outcome, Speaker, Turn
from colloquy.schema.conversation import JsonValue

if TYPE_CHECKING:
    from _csv import Reader

Record = Mapping[str, Any]
_T = TypeVar("_T")

DEFAULT_SPEAKER_MAP: Mapping[str, Speaker] = MappingProxyType(
    {
        **dict.fromkeys(
            ("customer", "user", "client", "caller", "visitor", "consumer", "human", "inbound"),
            Speaker.CUSTOMER,
        ),
        **dict.fromkeys(
            (
                "agent",
                "rep",
                "representative",
                "support",
                "assistant",
                "staff",
                "operator",
                "advisor",
                "sales",
                "outbound",
            ),
            Speaker.AGENT,
        ),
        **dict.fromkeys(("bot", "chatbot", "virtual agent", "virtual_agent"), Speaker.BOT),
        **dict.fromkeys(("system", "sys", "event"), Speaker.SYSTEM),
    }
)
"""Raw speaker values (lower case) every tabular source accepts without configuration."""

_TRUE = frozenset({"true", "t", "yes", "y", "1", "converted", "won", "success", "deal"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "lost", "failure", "none", "no deal"})
_LIST_FIELDS = frozenset({"labels", "metadata"})
_CLOCK_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y",
    "%a %b %d %H:%M:%S %z %Y",
    "%d %b %Y %H:%M:%S",
    "%d %b %Y",
    "%b %d, %Y %H:%M:%S",
    "%b %d, %Y",
)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_MILLISECOND_THRESHOLD = 1e11
"""Unix values above this (year 5138 in seconds) are taken as milliseconds."""


def _normalise_speaker(value: str) -> str:
    return " ".join(value.strip().lower().split())


class ColumnMapping(BaseModel):
    """Which column of a table holds which part of a conversation.

    Every named column must exist in the source; only ``text`` is always required.
    ``speaker_map`` extends :data:`DEFAULT_SPEAKER_MAP` (its entries win), keys compared
    case-insensitively.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = "text"
    conversation_id: str | None = None
    turn_order: str | None = None
    speaker: str | None = None
    speaker_id: str | None = None
    timestamp: str | None = None
    intent: str | None = None
    labels: tuple[str, ...] = ()
    metadata: tuple[str, ...] = ()
    outcome: str | None = None
    speaker_map: dict[str, Speaker] = Field(default_factory=dict)
    channel: str = "chat"
    source: str | None = None
    """``Conversation.source``; the loader's name (``csv``, ``sql`` …) when unset."""

    @field_validator("speaker_map")
    @classmethod
    def _normalise_keys(cls, value: dict[str, Speaker]) -> dict[str, Speaker]:
        return {_normalise_speaker(key): role for key, role in value.items()}

    @model_validator(mode="after")
    def _consistent(self) -> ColumnMapping:
        if self.turn_order is not None and self.conversation_id is None:
            raise ValueError("turn_order needs conversation_id: single-turn rows have no order")
        for name in self.columns():
            if not name.strip():
                raise ValueError("column names must not be empty")
        return self

    @property
    def single_turn(self) -> bool:
        """True when every row is its own one-turn conversation."""
        return self.conversation_id is None

    @property
    def roles(self) -> dict[str, Speaker]:
        """The effective raw-value → role table."""
        return {**DEFAULT_SPEAKER_MAP, **self.speaker_map}

    def columns(self) -> list[str]:
        """Every column this mapping reads, each once, in a stable order."""
        named = [
            self.conversation_id,
            self.turn_order,
            self.speaker,
            self.speaker_id,
            self.text,
            self.timestamp,
            self.intent,
            *self.labels,
            *self.metadata,
            self.outcome,
        ]
        return list(dict.fromkeys(name for name in named if name is not None))

    def role_for(self, raw: object) -> Speaker:
        """The role of a raw speaker value; ``ValueError`` naming the valid values."""
        return _role(raw, self.roles)

    @classmethod
    def from_pairs(cls, pairs: Iterable[str]) -> ColumnMapping:
        """Build from ``field=column`` strings (CLI ``--map``); list fields take ``a,b``.

        ``speaker_map`` entries are written ``speaker.RAW=ROLE``.
        """
        data: dict[str, Any] = {}
        roles: dict[str, str] = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            key, value = key.strip(), value.strip()
            if not sep or not key:
                raise UsageError(f"bad column mapping {pair!r}", hint="write FIELD=COLUMN")
            if key.startswith("speaker."):
                roles[key.removeprefix("speaker.")] = value
            elif key in _LIST_FIELDS:
                data[key] = tuple(v.strip() for v in value.split(",") if v.strip())
            else:
                data[key] = value
        if roles:
            data["speaker_map"] = roles
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            fields = ", ".join(sorted(cls.model_fields))
            raise UsageError(f"invalid column mapping: {exc}", hint=f"fields: {fields}") from None


# ---------------------------------------------------------------------------- values


def _text_of(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def _role(raw: object, roles: Mapping[str, Speaker]) -> Speaker:
    key = _normalise_speaker(_text_of(raw))
    if key in roles:
        return roles[key]
    valid = ", ".join(sorted(roles))
    raise ValueError(f"unknown speaker {_text_of(raw)!r}; valid values: {valid}")


def _json_safe(value: object) -> JsonValue:
    """A cell as a JSON value: dates as ISO strings, decimals as floats."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def _from_unix(seconds: float) -> datetime:
    if abs(seconds) > _MILLISECOND_THRESHOLD:
        seconds /= 1000.0
    return datetime.fromtimestamp(seconds, tz=UTC)


def parse_timestamp(value: object) -> datetime:
    """A timestamp from ISO 8601, unix seconds (or milliseconds) or a common format.

    Slash dates are read month first (``03/04/2024`` is 4 March); naive results are UTC.
    Raises ``ValueError`` saying what was not understood.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, bool):
        raise ValueError(f"unparseable timestamp {value!r}")
    if isinstance(value, int | float | Decimal):
        return _from_unix(float(value))
    raw = str(value).strip()
    if _NUMBER.match(raw):
        return _from_unix(float(raw))
    return _parse_timestamp_text(raw)


def _parse_timestamp_text(raw: str) -> datetime:
    try:
        return parse_timestamp(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        pass
    for fmt in _CLOCK_FORMATS:
        try:
            return parse_timestamp(datetime.strptime(raw, fmt))
        except ValueError:
            continue
    try:
        return parse_timestamp(parsedate_to_datetime(raw))
    except (TypeError, ValueError, IndexError):
        pass
    raise ValueError(
        f"unparseable timestamp {raw!r}; use ISO 8601 (2024-03-01T12:00:00Z), "
        "unix seconds, or e.g. '2024-03-01 12:00:00' / '03/01/2024 12:00'"
    )


def parse_outcome(value: object) -> Outcome:
    """``Outcome`` from a cell: booleans and yes/no words, or a number (converted if not 0)."""
    if isinstance(value, bool):
        return Outcome(converted=value)
    if isinstance(value, int | float | Decimal):
        number = float(value)
        return Outcome(converted=number != 0, value=number)
    raw = str(value).strip()
    if _NUMBER.match(raw):
        number = float(raw)
        return Outcome(converted=number != 0, value=number)
    word = raw.lower()
    if word in _TRUE or word in _FALSE:
        return Outcome(converted=word in _TRUE)
    raise ValueError(f"outcome {raw!r} is neither a number nor a yes/no value")


def _order_key(value: object) -> float:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return float(value)
    raw = str(value).strip()
    if _NUMBER.match(raw):
        return float(raw)
    try:
        return parse_timestamp(raw).timestamp()
    except ValueError:
        raise ValueError(f"turn order {raw!r} is neither a number nor a timestamp") from None


# ---------------------------------------------------------------------------- assembly


class _RowError(ValueError):
    """One row cannot become a turn; the message says why."""


@dataclass(slots=True)
class _Row:
    line: int
    conversation_id: str
    order: float | None
    turn: Turn
    labels: dict[str, JsonValue] = field(default_factory=dict)
    metadata: dict[str, JsonValue] = field(default_factory=dict)
    outcome: Outcome | None = None


class _Assembler:
    """Turns ``(line, record)`` pairs of one file or query into conversations."""

    def __init__(self, loader: TabularLoader, where: str, stem: str) -> None:
        self.loader = loader
        self.mapping = loader.mapping
        self.roles = loader.mapping.roles
        self.where = where
        self.stem = stem

    def run(self, records: Iterable[tuple[int, Record]]) -> Iterator[Conversation]:
        current: list[_Row] = []
        finished: set[str] = set()
        for line, record in records:
            row = self._row(line, record)
            if row is None:
                continue
            if self.mapping.single_turn:
                yield from self._build([row])
                continue
            if current and row.conversation_id != current[0].conversation_id:
                finished.add(current[0].conversation_id)
                yield from self._build(current)
                current = []
            if row.conversation_id in finished:
                self.loader.problem(self.where, line, self._reappears(row.conversation_id))
                continue
            current.append(row)
        if current:
            yield from self._build(current)

    def _reappears(self, conversation_id: str) -> str:
        return (
            f"conversation {conversation_id!r} re-appears after other conversations; "
            f"rows of one conversation must be contiguous — sort by "
            f"{self.mapping.conversation_id!r} first"
        )

    def _row(self, line: int, record: Record) -> _Row | None:
        try:
            return self._parse(line, record)
        except _RowError as exc:
            self.loader.problem(self.where, line, str(exc))
            return None

    def _cell(self, record: Record, column: str | None, *, required: bool = False) -> Any:
        if column is None:
            return None
        value = record.get(column)
        if column not in record and required:
            raise _RowError(f"row has no column {column!r}")
        if _empty(value):
            if required:
                raise _RowError(f"empty {column!r}")
            return None
        return value

    def _parse(self, line: int, record: Record) -> _Row:
        m = self.mapping
        cid = self._cell(record, m.conversation_id, required=True)
        conversation_id = f"{self.stem}-{line}" if cid is None else _text_of(cid).strip()
        text = _text_of(self._cell(record, m.text, required=True)).strip()
        try:
            speaker = self._speaker(record)
            order = self._convert(record, m.turn_order, _order_key)
            timestamp = self._convert(record, m.timestamp, parse_timestamp)
            outcome = self._convert(record, m.outcome, parse_outcome)
        except ValueError as exc:
            raise _RowError(str(exc)) from None
        raw_id = self._cell(record, m.speaker_id)
        intent = self._cell(record, m.intent)
        turn = Turn(
            index=0,
            speaker=speaker,
            text=text,
            speaker_id=None if raw_id is None else _text_of(raw_id).strip(),
            timestamp=timestamp,
            intent=None if intent is None else _text_of(intent).strip(),
        )
        return _Row(
            line=line,
            conversation_id=conversation_id,
            order=order,
            turn=turn,
            labels=self._values(record, m.labels),
            metadata=self._values(record, m.metadata),
            outcome=outcome,
        )

    def _speaker(self, record: Record) -> Speaker:
        raw = self._cell(record, self.mapping.speaker, required=True)
        return Speaker.CUSTOMER if raw is None else _role(raw, self.roles)

    def _convert(
        self, record: Record, column: str | None, convert: Callable[[Any], _T]
    ) -> _T | None:
        value = self._cell(record, column)
        return None if value is None else convert(value)

    def _values(self, record: Record, columns: tuple[str, ...]) -> dict[str, JsonValue]:
        cells = {column: self._cell(record, column) for column in columns}
        return {column: _json_safe(value) for column, value in cells.items() if value is not None}

    def _build(self, rows: list[_Row]) -> Iterator[Conversation]:
        if self.mapping.turn_order is not None:
            rows = sorted(rows, key=lambda row: row.order if row.order is not None else math.inf)
        turns = tuple(row.turn.model_copy(update={"index": i}) for i, row in enumerate(rows))
        stamps = [turn.timestamp for turn in turns if turn.timestamp is not None]
        try:
            conversation = Conversation(
                id=rows[0].conversation_id,
                source=self.mapping.source or self.loader.name,
                channel=self.mapping.channel,
                started_at=min(stamps) if stamps else None,
                turns=turns,
                metadata=_first_values(row.metadata for row in rows),
                labels=_first_values(row.labels for row in rows),
                outcome=next((row.outcome for row in rows if row.outcome is not None), None),
            )
        except ValidationError as exc:
            self.loader.problem(self.where, rows[0].line, f"invalid conversation: {exc}")
            return
        yield conversation


def _first_values(dicts: Iterable[dict[str, JsonValue]]) -> dict[str, JsonValue]:
    merged: dict[str, JsonValue] = {}
    for values in dicts:
        for key, value in values.items():
            merged.setdefault(key, value)
    return merged


# ---------------------------------------------------------------------------- loaders


class TabularLoader(Loader):
    """Shared behaviour of the table loaders: files or a folder, a mapping, one assembler."""

    suffixes: ClassVar[tuple[str, ...]]

    def __init__(
        self, *, mapping: ColumnMapping, on_error: OnError = "fail", batch_size: int = 10_000
    ) -> None:
        super().__init__(on_error=on_error)
        if batch_size < 1:
            raise UsageError(f"batch_size must be at least 1, got {batch_size}")
        self.mapping = mapping
        self.batch_size = batch_size

    def _load(self, path: Path) -> Iterator[Conversation]:
        for file in self._files(path):
            self.note_file(file)
            records = self._records(file)
            yield from _Assembler(self, str(file), file.stem).run(records)

    def _files(self, path: Path) -> list[Path]:
        if not path.is_dir():
            return [path]
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in self.suffixes)
        if not files:
            self.problem(path, None, f"no {'/'.join(self.suffixes)} files in {path}")
        return files

    @abstractmethod
    def _records(self, file: Path) -> Iterator[tuple[int, Record]]:
        """Yield ``(line or row number, record)``; report unreadable rows and bad headers."""

    def _columns_present(self, where: Path | str, line: int | None, found: Iterable[str]) -> bool:
        """Report (once) the mapped columns missing from ``found``; True if none are."""
        available = list(found)
        missing = [column for column in self.mapping.columns() if column not in available]
        if not missing:
            return True
        names = ", ".join(repr(column) for column in missing)
        self.problem(
            where,
            line,
            f"mapped column {names} not found in {where}; "
            f"its columns are: {', '.join(available) or '(none)'}",
        )
        return False


class CsvLoader(TabularLoader):
    name = "csv"
    description = "any CSV table of conversations, through a column mapping"
    layout = "a .csv file with a header row, or a folder of them"
    suffixes = (".csv",)

    def _records(self, file: Path) -> Iterator[tuple[int, Record]]:
        with file.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            try:
                header = next(reader, None)
            except (csv.Error, UnicodeDecodeError) as exc:
                self.problem(file, 1, f"unreadable header: {exc}")
                return
            if header is None:
                self.problem(file, None, "empty file: no header row")
                return
            header = [column.strip() for column in header]
            if self._columns_present(file, 1, header):
                yield from self._rows(file, reader, header)

    def _rows(
        self, file: Path, reader: Reader, header: list[str]
    ) -> Iterator[tuple[int, dict[str, str]]]:
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self.problem(file, start, f"unreadable CSV row (check its quoting): {exc}")
                start = reader.line_num + 1
                continue
            except UnicodeDecodeError as exc:
                self.problem(file, start, f"not UTF-8 text: {exc.reason}; the rest is left out")
                return
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                self.problem(file, line, f"expected {len(header)} fields, found {len(row)}")
                continue
            yield line, dict(zip(header, row, strict=True))


class JsonlLoader(TabularLoader):
    name = "jsonl"
    description = "JSON Lines (one object per row), through a column mapping"
    layout = "a .jsonl file with one JSON object per line, or a folder of them"
    suffixes = (".jsonl", ".ndjson")

    def _records(self, file: Path) -> Iterator[tuple[int, Record]]:
        checked = False
        for line, raw in self._lines(file):
            record = self._decode(file, line, raw)
            if record is None:
                continue
            if not checked:
                if not self._columns_present(file, line, record):
                    return
                checked = True
            yield line, record

    def _lines(self, file: Path) -> Iterator[tuple[int, str]]:
        line = 0
        with file.open(encoding="utf-8-sig") as handle:
            try:
                for line, raw in enumerate(handle, start=1):
                    if raw.strip():
                        yield line, raw
            except UnicodeDecodeError as exc:
                self.problem(file, line + 1, f"not UTF-8 text: {exc.reason}; the rest is left out")

    def _decode(self, file: Path, line: int, raw: str) -> dict[str, Any] | None:
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            self.problem(file, line, f"invalid JSON: {exc.msg} at column {exc.colno}")
            return None
        if not isinstance(record, dict):
            self.problem(file, line, f"expected a JSON object, found {type(record).__name__}")
            return None
        return record


class ParquetLoader(TabularLoader):
    """Reads only the mapped columns, one record batch at a time (bounded memory)."""

    name = "parquet"
    description = "a Parquet table of conversations, through a column mapping"
    layout = "a .parquet file, or a folder of them"
    suffixes = (".parquet", ".pq")

    def _records(self, file: Path) -> Iterator[tuple[int, Record]]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pq.ParquetFile(file)
        except (pa.ArrowException, OSError) as exc:
            self.problem(file, None, f"not a readable Parquet file: {exc}")
            return
        if not self._columns_present(file, None, table.schema_arrow.names):
            return
        row = 0
        batches = table.iter_batches(batch_size=self.batch_size, columns=self.mapping.columns())
        for batch in batches:
            for record in batch.to_pylist():
                row += 1
                yield row, record


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
        yield from _Assembler(self, source.display, "row").run(records)

    def _records(self, file: Path) -> Iterator[tuple[int, Record]]:
        url = f"sqlite:///{file.resolve()}"
        return self._query_records(SqlQuerySource(url, self._require_query()))

    def _query_records(self, source: SqlQuerySource) -> Iterator[tuple[int, Record]]:
        from sqlalchemy import create_engine, text
        from sqlalchemy.exc import SQLAlchemyError

        try:
            engine = create_engine(source.url)
        except (SQLAlchemyError, ImportError) as exc:
            raise DataError(f"cannot open {source.display}: {exc}") from None
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
                f"query on {source.display} failed: {exc.__class__.__name__}: {exc}",
                hint="check the URL, the query and that the database is reachable",
            ) from None
        finally:
            engine.dispose()


__all__ = [
    "DEFAULT_SPEAKER_MAP",
    "ColumnMapping",
    "CsvLoader",
    "JsonlLoader",
    "ParquetLoader",
    "SqlLoader",
    "SqlQuerySource",
    "TabularLoader",
    "parse_outcome",
    "parse_timestamp",
]
