"""Reading a table of rows: only the declared columns, and one precise line for anything wrong.

Each format first learns the source's column names cheaply (a CSV header, a Parquet
schema, the first JSONL object, the query's result columns) so that a column the
configuration names but the data lacks is refused before the rows are read, naming the
column, the source, the columns it does have, and the configuration key to fix.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from colloquy.data.rows.source import RowSource
from colloquy.errors import ConfigError, DataError, NotFoundError, ParseError

if TYPE_CHECKING:
    from sqlalchemy import Connection

_CSV_LINE = re.compile(r"line (\d+)")
_SHOWN = 20


class MissingColumnError(ConfigError):
    """A column the configuration names is not in the source."""

    def __init__(self, column: str, source: str, available: Sequence[str], key: str) -> None:
        self.column = column
        self.key = key
        shown = ", ".join(available[:_SHOWN]) + (", …" if len(available) > _SHOWN else "")
        super().__init__(
            f"column {column!r} is not in {source} (columns: {shown or 'none'})",
            hint=f"fix {key}",
        )


def read_rows(
    source: RowSource, columns: Sequence[str], *, keys: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The rows of ``source``, holding exactly ``columns`` in that order.

    ``keys`` maps a column to the configuration key that names it (``features[2].name``),
    so a missing column's error says what to fix.
    """
    wanted = list(dict.fromkeys(columns))
    fmt = source.resolved_format
    if fmt == "sql":
        return _read_sql(source, wanted, keys or {})
    path = _existing(source)
    if fmt == "csv":
        frame = _read_csv(source, path, wanted, keys or {})
    elif fmt == "jsonl":
        frame = _read_jsonl(source, path, wanted, keys or {})
    else:
        frame = _read_parquet(source, path, wanted, keys or {})
    return frame.reset_index(drop=True)


def source_columns(source: RowSource) -> tuple[str, ...]:
    """The column names of ``source``, read without reading its rows (a cheap up-front check)."""
    fmt = source.resolved_format
    if fmt == "sql":
        return _sql_columns(source)
    path = _existing(source)
    if fmt == "csv":
        return tuple(_csv_header(source, path))
    if fmt == "jsonl":
        return tuple(_jsonl_first_keys(path, source.options.encoding))
    return tuple(_parquet_names(path))


def check_columns(
    source: RowSource, columns: Sequence[str], *, keys: Mapping[str, str] | None = None
) -> None:
    """Refuse, before any work, a declared column that ``source`` does not have."""
    _check(source, source_columns(source), columns, keys or {})


def _check(
    source: RowSource, available: Sequence[str], wanted: Sequence[str], keys: Mapping[str, str]
) -> None:
    for column in wanted:
        if column not in available:
            key = keys.get(column, "the list of columns")
            raise MissingColumnError(column, source.display_name, list(available), key)


def _existing(source: RowSource) -> Path:
    assert source.path is not None
    path = source.path.expanduser()
    if not path.exists():
        raise NotFoundError(f"{path} does not exist", hint="check source.path in the pipeline file")
    if not path.is_file():
        raise DataError(f"{path} is not a file", hint="point source.path at a file")
    return path


def _delimiter(source: RowSource, path: Path) -> str:
    if source.options.delimiter is not None:
        return source.options.delimiter
    return "\t" if path.suffix.lower() == ".tsv" else ","


def _csv_header(source: RowSource, path: Path) -> list[str]:
    try:
        with path.open(encoding=source.options.encoding, newline="") as handle:
            header = next(csv.reader(handle, delimiter=_delimiter(source, path)), None)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ParseError(f"unreadable header: {exc}", path=path, line=1) from None
    if header is None:
        raise ParseError("empty file: no header row", path=path)
    return [column.strip().lstrip("\ufeff") for column in header]


def _read_csv(
    source: RowSource, path: Path, wanted: list[str], keys: Mapping[str, str]
) -> pd.DataFrame:
    header = _csv_header(source, path)
    _check(source, header, wanted, keys)
    # Every column is parsed (not ``usecols``) so that a row with too many fields is refused
    # with its line number instead of being silently cut short; the rest are dropped here.
    try:
        frame = pd.read_csv(
            path,
            sep=_delimiter(source, path),
            encoding=source.options.encoding,
            nrows=source.options.max_rows,
            on_bad_lines="error",
            engine="c",
        )
    except pd.errors.ParserError as exc:
        found = _CSV_LINE.search(str(exc))
        line = int(found.group(1)) if found else None
        raise ParseError(
            f"unreadable CSV row: {str(exc).split('. ', 1)[-1].strip()}",
            path=path,
            line=line,
            hint="fix the row's quoting or its number of fields",
        ) from None
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"not {source.options.encoding} text ({exc.reason})",
            path=path,
            hint="set source.options.encoding",
        ) from None
    frame.columns = [str(name).strip().lstrip("\ufeff") for name in frame.columns]
    return frame[wanted]


def _jsonl_lines(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        with path.open(encoding=encoding) as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ParseError(
                        f"not valid JSON: {exc.msg} (column {exc.colno})",
                        path=path,
                        line=number,
                        hint="each line must hold one JSON object",
                    ) from None
                if not isinstance(record, dict):
                    raise ParseError(
                        f"a JSON {type(record).__name__}, not an object",
                        path=path,
                        line=number,
                        hint="each line must hold one JSON object",
                    )
                yield number, record
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"not {encoding} text ({exc.reason})", path=path, hint="set source.options.encoding"
        ) from None


def _jsonl_first_keys(path: Path, encoding: str) -> list[str]:
    for _, record in _jsonl_lines(path, encoding):
        return list(record)
    raise ParseError("empty file: no JSON object", path=path)


def _read_jsonl(
    source: RowSource, path: Path, wanted: list[str], keys: Mapping[str, str]
) -> pd.DataFrame:
    rows: list[list[Any]] = []
    limit = source.options.max_rows
    for number, record in _jsonl_lines(path, source.options.encoding):
        if not rows:
            _check(source, list(record), wanted, keys)
        row = [record.get(column) for column in wanted]
        for column, value in zip(wanted, row, strict=True):
            if isinstance(value, dict | list):
                raise ParseError(
                    f"field {column!r} holds a JSON {type(value).__name__}, not a single value",
                    path=path,
                    line=number,
                    hint="flatten the field into plain values",
                )
        rows.append(row)
        if limit is not None and len(rows) >= limit:
            break
    if not rows:
        raise ParseError("empty file: no JSON object", path=path)
    return pd.DataFrame(rows, columns=wanted)


def _parquet_names(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(path).names)
    except Exception as exc:
        raise ParseError(
            f"not a readable Parquet file ({type(exc).__name__}: {exc})", path=path
        ) from None


def _read_parquet(
    source: RowSource, path: Path, wanted: list[str], keys: Mapping[str, str]
) -> pd.DataFrame:
    import pyarrow.parquet as pq

    _check(source, _parquet_names(path), wanted, keys)
    try:
        table = pq.read_table(path, columns=wanted)
    except Exception as exc:
        raise ParseError(f"unreadable Parquet data ({type(exc).__name__})", path=path) from None
    if source.options.max_rows is not None:
        table = table.slice(0, source.options.max_rows)
    frame: pd.DataFrame = table.to_pandas()
    return frame[wanted]


def _sql_columns(source: RowSource) -> tuple[str, ...]:
    from sqlalchemy import text

    query = f"SELECT * FROM ({_query(source)}) AS colloquy_rows LIMIT 0"
    with _connect(source) as connection:
        try:
            return tuple(connection.execute(text(query)).keys())
        except Exception as exc:
            raise _sql_error(source, exc) from None


def _read_sql(source: RowSource, wanted: list[str], keys: Mapping[str, str]) -> pd.DataFrame:
    from sqlalchemy import text

    with _connect(source) as connection:
        try:
            result = connection.execute(text(_query(source)))
            _check(source, list(result.keys()), wanted, keys)
            limit = source.options.max_rows
            rows = result.fetchmany(limit) if limit is not None else result.fetchall()
        except MissingColumnError:
            raise
        except Exception as exc:
            raise _sql_error(source, exc) from None
    names = list(result.keys())
    frame = pd.DataFrame([tuple(row) for row in rows], columns=names)
    return frame[wanted]


def _query(source: RowSource) -> str:
    return (source.query or "").strip().rstrip(";")


@contextmanager
def _connect(source: RowSource) -> Iterator[Connection]:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        engine = create_engine(source.url or "")
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise ConfigError(
            f"source.url is not a usable database URL: {exc}",
            hint="write it as sqlite:///file.db or postgresql+psycopg://user@host/db",
        ) from None
    try:
        try:
            connection = engine.connect()
        except Exception as exc:
            raise _sql_error(source, exc) from None
        with connection:
            yield connection
    finally:
        engine.dispose()


def _sql_error(source: RowSource, exc: BaseException) -> DataError:
    from sqlalchemy.exc import DBAPIError

    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    first = lines[0] if lines else type(cause).__name__
    password = _password(source.url or "")
    if password:
        first = first.replace(password, "***")
    return DataError(
        f"{source.display_name} failed: {first}",
        hint="check source.url, source.query and that the database is reachable",
    )


def _password(url: str) -> str | None:
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).password
    except ArgumentError:
        return None
