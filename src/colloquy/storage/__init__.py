"""Persistence for conversations: SQLite by default, PostgreSQL alike.

Names are resolved on first access (PEP 562 ``__getattr__``), so a command that only
reads the store never imports the bulk-write machinery that ``InsertReport`` lives with.
"""

import importlib as _importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from colloquy.storage.bulk import InsertReport
    from colloquy.storage.datasets import DatasetInfo, DatasetStats
    from colloquy.storage.engine import create_store_engine, parse_url, render_url
    from colloquy.storage.migrate import SchemaStatus
    from colloquy.storage.store import Store

del TYPE_CHECKING

_LAZY = {
    "DatasetInfo": "colloquy.storage.datasets",
    "DatasetStats": "colloquy.storage.datasets",
    "InsertReport": "colloquy.storage.bulk",
    "SchemaStatus": "colloquy.storage.migrate",
    "Store": "colloquy.storage.store",
    "create_store_engine": "colloquy.storage.engine",
    "parse_url": "colloquy.storage.engine",
    "render_url": "colloquy.storage.engine",
}

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


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'colloquy.storage' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
