"""colloquy: conversation intelligence — ingest, understand, predict, serve, act.

The names below are the supported public API; everything else may change between
releases. ``tests/unit/test_public_api.py`` keeps this list honest.

Settings, the store and the schema records are resolved on first access (PEP 562
``__getattr__``): importing ``colloquy`` must not pull in Pydantic, SQLAlchemy or Alembic,
because every CLI start-up (``--version``, shell completion) pays for what it imports.
"""

import importlib as _importlib
from typing import TYPE_CHECKING

from colloquy._version import __version__
from colloquy.errors import (
    ArtifactError,
    ColloquyError,
    ConfigError,
    ConflictError,
    DatabaseUnavailableError,
    DataError,
    LeakageError,
    LLMError,
    MigrationError,
    NotFoundError,
    ParseError,
    ReadOnlyStoreError,
    SchemaError,
    StorageError,
    UsageError,
)

if TYPE_CHECKING:
    from colloquy.config import Settings, load_settings
    from colloquy.schema import Conversation, DialogueAct, Outcome, Speaker, Turn
    from colloquy.storage import Store

del TYPE_CHECKING

_LAZY = {
    "Conversation": "colloquy.schema",
    "DialogueAct": "colloquy.schema",
    "Outcome": "colloquy.schema",
    "Settings": "colloquy.config",
    "Speaker": "colloquy.schema",
    "Store": "colloquy.storage",
    "Turn": "colloquy.schema",
    "load_settings": "colloquy.config",
}

__all__ = [
    "ArtifactError",
    "ColloquyError",
    "ConfigError",
    "ConflictError",
    "Conversation",
    "DataError",
    "DatabaseUnavailableError",
    "DialogueAct",
    "LLMError",
    "LeakageError",
    "MigrationError",
    "NotFoundError",
    "Outcome",
    "ParseError",
    "ReadOnlyStoreError",
    "SchemaError",
    "Settings",
    "Speaker",
    "StorageError",
    "Store",
    "Turn",
    "UsageError",
    "__version__",
    "load_settings",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'colloquy' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
