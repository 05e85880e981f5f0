"""Persistence for conversations: SQLite by default, PostgreSQL alike."""

from colloquy.storage.bulk import InsertReport
from colloquy.storage.datasets import DatasetInfo, DatasetStats
from colloquy.storage.engine import create_store_engine, parse_url, render_url
from colloquy.storage.migrate import SchemaStatus
from colloquy.storage.store import Store

__all__ = [
    "DatasetInfo",
    "DatasetStats",
    "InsertReport",
    "SchemaStatus",
    "Store",
    "create_store_engine",
    "parse_url",
    "render_url",
]
