"""One loader per source, looked up by name."""

from __future__ import annotations

import inspect
from typing import Any

from colloquy.data.loaders.banking77 import Banking77Loader
from colloquy.data.loaders.base import Loader, LoadReport, OnError, Problem
from colloquy.data.loaders.bitext import BitextLoader
from colloquy.data.loaders.conversations import ConversationJsonlLoader
from colloquy.data.loaders.craigslist_bargain import CraigslistBargainLoader
from colloquy.data.loaders.persuasion4good import Persuasion4GoodLoader
from colloquy.data.loaders.sgd import SGDLoader
from colloquy.data.loaders.tabular import (
    ColumnMapping,
    CsvLoader,
    JsonlLoader,
    ParquetLoader,
    SqlLoader,
    SqlQuerySource,
)
from colloquy.data.loaders.transcripts import TranscriptLoader, aload_transcripts
from colloquy.data.loaders.twitter_support import TwitterSupportLoader
from colloquy.errors import UsageError

LOADERS: dict[str, type[Loader]] = {
    loader.name: loader
    for loader in (
        Banking77Loader,
        BitextLoader,
        CraigslistBargainLoader,
        Persuasion4GoodLoader,
        SGDLoader,
        TwitterSupportLoader,
        CsvLoader,
        JsonlLoader,
        ParquetLoader,
        SqlLoader,
        TranscriptLoader,
        ConversationJsonlLoader,
    )
}

DATASET_SOURCES = (
    "banking77",
    "bitext",
    "craigslist_bargain",
    "persuasion4good",
    "sgd",
    "twitter_support",
)
"""The public datasets with a dedicated loader (the others are generic formats)."""


def get_loader(name: str, *, on_error: OnError = "fail", **options: Any) -> Loader:
    """A fresh loader for the source ``name``; an unknown name lists the valid ones.

    ``options`` go to the loader's constructor (``mapping=`` for csv/jsonl/parquet/sql,
    ``speaker_map=`` / ``default_role=`` for transcripts); one it does not take is a
    :class:`UsageError`.
    """
    try:
        loader_cls = LOADERS[name]
    except KeyError:
        raise UsageError(
            f"unknown source {name!r}", hint=f"valid sources: {', '.join(sorted(LOADERS))}"
        ) from None
    accepted = set(inspect.signature(loader_cls.__init__).parameters) - {"self"}
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise UsageError(
            f"source {name!r} does not take {', '.join(unknown)}",
            hint=f"it takes: {', '.join(sorted(accepted))}",
        )
    return loader_cls(on_error=on_error, **options)


__all__ = [
    "DATASET_SOURCES",
    "LOADERS",
    "Banking77Loader",
    "BitextLoader",
    "ColumnMapping",
    "ConversationJsonlLoader",
    "CraigslistBargainLoader",
    "CsvLoader",
    "JsonlLoader",
    "LoadReport",
    "Loader",
    "OnError",
    "ParquetLoader",
    "Persuasion4GoodLoader",
    "Problem",
    "SGDLoader",
    "SqlLoader",
    "SqlQuerySource",
    "TranscriptLoader",
    "TwitterSupportLoader",
    "aload_transcripts",
    "get_loader",
]
