"""colloquy: conversation intelligence — ingest, understand, predict, serve, act.

The names below are the supported public API; everything else may change between
releases. ``tests/unit/test_public_api.py`` keeps this list honest.
"""

from colloquy._version import __version__
from colloquy.config import Settings, load_settings
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
    StorageError,
    UsageError,
)
from colloquy.schema import Conversation, DialogueAct, Outcome, SchemaError, Speaker, Turn
from colloquy.storage import Store

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
