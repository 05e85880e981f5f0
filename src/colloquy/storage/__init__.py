"""Persistence for conversations: SQLite by default, PostgreSQL alike."""

from colloquy.storage.engine import create_store_engine, parse_url, render_url
from colloquy.storage.migrate import SchemaStatus
from colloquy.storage.repository import DatasetInfo, DatasetStats, InsertReport
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
