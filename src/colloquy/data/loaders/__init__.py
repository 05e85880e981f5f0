"""One loader per source, looked up by name."""

from __future__ import annotations

from colloquy.data.loaders.banking77 import Banking77Loader
from colloquy.data.loaders.base import Loader, LoadReport, OnError, Problem
from colloquy.data.loaders.bitext import BitextLoader
from colloquy.data.loaders.craigslist_bargain import CraigslistBargainLoader
from colloquy.data.loaders.persuasion4good import Persuasion4GoodLoader
from colloquy.data.loaders.sgd import SGDLoader
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
    )
}


def get_loader(name: str, *, on_error: OnError = "fail") -> Loader:
    """A fresh loader for the source ``name``; an unknown name lists the valid ones."""
    try:
        loader_cls = LOADERS[name]
    except KeyError:
        raise UsageError(
            f"unknown source {name!r}", hint=f"valid sources: {', '.join(sorted(LOADERS))}"
        ) from None
    return loader_cls(on_error=on_error)


__all__ = [
    "LOADERS",
    "Banking77Loader",
    "BitextLoader",
    "CraigslistBargainLoader",
    "LoadReport",
    "Loader",
    "OnError",
    "Persuasion4GoodLoader",
    "Problem",
    "SGDLoader",
    "TwitterSupportLoader",
    "get_loader",
]
