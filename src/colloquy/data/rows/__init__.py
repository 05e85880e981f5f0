"""Plain tables of rows (CSV, JSONL, Parquet, SQL) for the generic classification task.

Unlike :mod:`colloquy.data.loaders.tabular`, which assembles conversations, this package
returns the rows themselves as a ``pandas.DataFrame`` holding only the declared columns.
"""

from colloquy.data.rows.reader import (
    MissingColumnError,
    check_columns,
    read_rows,
    source_columns,
)
from colloquy.data.rows.source import SUFFIX_FORMATS, ReadOptions, RowFormat, RowSource

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
