"""Plain tables of rows (CSV, JSONL, Parquet, SQL) for the generic classification task.

Unlike :mod:`colloquy.data.loaders.tabular`, which assembles conversations, this package
returns the rows themselves as a ``pandas.DataFrame`` holding only the declared columns.
"""

from colloquy.data.rows.source import SUFFIX_FORMATS, ReadOptions, RowFormat, RowSource

__all__ = ["SUFFIX_FORMATS", "ReadOptions", "RowFormat", "RowSource"]
