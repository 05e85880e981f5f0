"""Conversations from any table: CSV, JSONL, Parquet or a SQL query, through a column mapping.

Most teams already keep their chats in a table — one row per message, exported from a help
desk, a warehouse or a spreadsheet. Rather than one loader per export, a
:class:`ColumnMapping` says which column holds what, and one assembler turns rows into
``Conversation`` records whatever the format (one module per format in this package):

- ``conversation_id`` groups rows into conversations. Without it every row is its own
  one-turn customer conversation (id ``<file stem>-<row>``), the shape of intent datasets.
- Rows of one conversation must be **contiguous**. The loaders stream — memory holds one
  conversation plus the set of ids already finished — so an id that re-appears after
  another conversation, or in another file of the same input, is reported as a problem at
  that row rather than silently merged or split. Sort the export by conversation id
  (``ORDER BY`` in SQL) first.
- ``turn_order`` sorts the turns inside a conversation (numbers or timestamps); without it
  the file order is the turn order.
- Conversation-level columns (``labels``, ``metadata``, ``outcome``) take the first
  non-empty value among the conversation's rows.
- Speaker values are matched case-insensitively against :data:`DEFAULT_SPEAKER_MAP`
  extended by ``speaker_map``; an unknown value is a problem naming the valid ones.

A mapped column missing from a file, or a column name the header repeats, is reported
once for that file (naming the column, the file and the columns it has) and the file is
left out; a bad row is reported with its file and line and, under ``on_error="skip"``,
left out of its conversation.
"""

from __future__ import annotations

from colloquy.data.loaders.tabular.base import TabularLoader
from colloquy.data.loaders.tabular.cells import parse_outcome, parse_timestamp
from colloquy.data.loaders.tabular.csv_loader import CsvLoader
from colloquy.data.loaders.tabular.jsonl_loader import JsonlLoader
from colloquy.data.loaders.tabular.mapping import DEFAULT_SPEAKER_MAP, ColumnMapping
from colloquy.data.loaders.tabular.parquet_loader import ParquetLoader
from colloquy.data.loaders.tabular.sql_loader import SqlLoader, SqlQuerySource

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
