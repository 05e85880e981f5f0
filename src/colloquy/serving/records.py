"""What a served model is: the identity every answer carries, so a caller knows who answered.

A hot swap changes the model between two requests, so a prediction is only meaningful
with the version that made it; the response cache keys on that version too, so a new
model never answers from its predecessor's cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Generic, Literal, TypeVar

__all__ = ["Located", "ModelIdentity", "Served", "ServingKind"]

ServingKind = Literal["intent", "conversion"]
"""The model kinds the API serves (the manifest formats ``colloquy-intent`` / ``-conversion``)."""

ModelT = TypeVar("ModelT")


@dataclass(frozen=True)
class Located:
    """A model directory a reference names right now, before it is loaded.

    ``version`` is the registry version for a registered model and the first 12 hex
    digits of the manifest digest for a plain directory; ``alias`` is the alias it was
    reached through (``None`` for a directory or ``NAME/VERSION``).
    """

    path: Path
    name: str
    version: str
    sha256: str
    alias: str | None = None

    @property
    def label(self) -> str:
        """``NAME/VERSION``: short, and unique across swaps."""
        return f"{self.name}/{self.version}"


@dataclass(frozen=True)
class ModelIdentity:
    """A loaded model: where it came from, which version, and when it started serving."""

    kind: ServingKind
    reference: str
    located: Located
    loaded_at: datetime
    warmup_seconds: float

    @property
    def name(self) -> str:
        return self.located.name

    @property
    def version(self) -> str:
        return self.located.version

    @property
    def label(self) -> str:
        return self.located.label


@dataclass(frozen=True)
class Served(Generic[ModelT]):
    """A model object together with its identity; swapped as one reference, never in part."""

    model: ModelT
    identity: ModelIdentity
