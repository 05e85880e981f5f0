"""Plain tables of rows (CSV, JSONL, Parquet, SQL) for the generic classification task.

Unlike :mod:`colloquy.data.loaders.tabular`, which assembles conversations, this package
returns the rows themselves as a ``pandas.DataFrame`` holding only the declared columns.
The reader (and pandas) is imported on first use, so a pipeline file that only declares a
:class:`RowSource` is validated without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from colloquy.data.rows.source import SUFFIX_FORMATS, ReadOptions, RowFormat, RowSource

if TYPE_CHECKING:
    from colloquy.data.rows.reader import (
        MissingColumnError,
        check_columns,
        read_rows,
        source_columns,
    )

_READER = frozenset({"MissingColumnError", "check_columns", "read_rows", "source_columns"})


def __getattr__(name: str) -> Any:
    if name in _READER:
        from colloquy.data.rows import reader

        return getattr(reader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SUFFIX_FORMATS",
    "MissingColumnError",
    "ReadOptions",
    "RowFormat",
    "RowSource",
    "check_columns",
    "read_rows",
    "source_columns",
]
