"""The model registry seam: named models, numbered versions, and aliases on them.

Versions are addressed by number or by alias (``champion``, ``challenger``): MLflow's
stages are deprecated and never used. :func:`resolve_model_reference` is how batch
inference and the API accept a model: a directory, ``NAME@ALIAS`` or ``NAME/VERSION``,
the latter two downloaded from the registry once and re-used.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from colloquy.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from colloquy.config import Settings

__all__ = [
    "CHALLENGER",
    "CHAMPION",
    "ModelDetails",
    "ModelRegistry",
    "ModelVersionRecord",
    "RegisteredModelRecord",
    "ResolvedModel",
    "check_alias",
    "check_model_name",
    "parse_version",
    "resolve_model_reference",
]

CHAMPION = "champion"
CHALLENGER = "challenger"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,127}")
_ALIAS = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{0,63}")
_RESERVED_ALIAS = re.compile(r"latest|v\d+", re.IGNORECASE)


@dataclass(frozen=True)
class ModelVersionRecord:
    """One registered version: where it came from, its aliases and its run's metrics."""

    name: str
    version: int
    run_id: str | None
    source: str
    aliases: tuple[str, ...]
    created_at: datetime
    status: str
    tags: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready copy (``--format json``)."""
        return {
            "name": self.name,
            "version": self.version,
            "aliases": list(self.aliases),
            "run_id": self.run_id,
            "source": self.source,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "tags": dict(self.tags),
            "metrics": dict(self.metrics),
        }


@dataclass(frozen=True)
class RegisteredModelRecord:
    """A registered model name with its newest version and its aliases."""

    name: str
    latest_version: int | None
    aliases: Mapping[str, int]
    created_at: datetime
    updated_at: datetime
    description: str | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready copy (``--format json``)."""
        return {
            "name": self.name,
            "latest_version": self.latest_version,
            "aliases": dict(self.aliases),
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "description": self.description,
        }


@dataclass(frozen=True)
class ModelDetails:
    """A registered model and all its versions, newest first."""

    model: RegisteredModelRecord
    versions: tuple[ModelVersionRecord, ...]

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready copy (``--format json``)."""
        return {**self.model.to_dict(), "versions": [v.to_dict() for v in self.versions]}


def check_model_name(name: str) -> str:
    """``name`` if it is a usable registered model name, else a UsageError."""
    if not _NAME.fullmatch(name):
        raise UsageError(
            f"model name {name!r} is not valid",
            hint="use letters, digits, '_', '.' and '-' (at most 128), starting with a "
            "letter or digit",
        )
    return name


def check_alias(alias: str) -> str:
    """``alias`` if MLflow accepts it as an alias, else a UsageError."""
    if not _ALIAS.fullmatch(alias) or _RESERVED_ALIAS.fullmatch(alias):
        raise UsageError(
            f"alias {alias!r} is not valid",
            hint="use a word such as 'champion' or 'challenger' (not 'latest' or 'v<N>')",
        )
    return alias


def parse_version(value: str | int) -> int:
    """A version number from ``3`` or ``"3"``, else a UsageError."""
    text = str(value)
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"model version {value!r} is not a positive whole number")
    return int(text)


class ModelRegistry(ABC):
    """Registered models, their versions and aliases."""

    @abstractmethod
    def register(
        self, model_uri: str, name: str, tags: Mapping[str, str] | None = None
    ) -> ModelVersionRecord:
        """Add ``model_uri`` (a logged model) as the next version of ``name``."""

    @abstractmethod
    def set_alias(self, name: str, alias: str, version: int) -> None:
        """Point ``alias`` at ``version`` (moving it from any other version)."""

    @abstractmethod
    def delete_alias(self, name: str, alias: str) -> None:
        """Remove ``alias`` from ``name`` (nothing happens when it is unset)."""

    @abstractmethod
    def alias_version(self, name: str, alias: str) -> int | None:
        """The version ``alias`` points at, or ``None`` when it is unset."""

    @abstractmethod
    def version_for(self, name: str, alias_or_version: str | int) -> ModelVersionRecord:
        """The version named by a number or an alias; NotFoundError when there is none."""

    @abstractmethod
    def list_models(self) -> tuple[RegisteredModelRecord, ...]:
        """Every registered model, by name."""

    @abstractmethod
    def show(self, name: str) -> ModelDetails:
        """A model with all its versions, their aliases, runs and metrics."""

    @abstractmethod
    def download(self, name: str, alias_or_version: str | int, dst: Path) -> Path:
        """Copy the version's colloquy model directory to ``dst``; returns its path."""

    @abstractmethod
    def delete_version(self, name: str, version: int) -> None:
        """Remove one version (its aliases go with it)."""


@dataclass(frozen=True)
class ResolvedModel:
    """A model ready to load from ``path``; ``name``/``version`` when it came from the registry."""

    path: Path
    name: str | None = None
    version: int | None = None

    @property
    def label(self) -> str:
        """``NAME/VERSION`` for a registered model, else the directory."""
        if self.name is not None and self.version is not None:
            return f"{self.name}/{self.version}"
        return str(self.path)


def _split_reference(ref: str) -> tuple[str, str] | None:
    """``(name, alias_or_version)`` for ``NAME@ALIAS`` or ``NAME/VERSION``, else ``None``."""
    if "@" in ref:
        name, _, alias = ref.partition("@")
        return check_model_name(name), check_alias(alias)
    name, slash, version = ref.partition("/")
    if slash and _NAME.fullmatch(name) and version.isdigit():
        return name, str(parse_version(version))
    return None


def resolve_model_reference(
    ref: str,
    *,
    registry: ModelRegistry | None = None,
    cache_dir: Path | None = None,
    settings: Settings | None = None,
) -> ResolvedModel:
    """A model directory from ``ref``: a directory, ``NAME@ALIAS`` or ``NAME/VERSION``.

    A directory is used as it is (its loader verifies it). A registered version is
    downloaded to ``cache_dir/NAME/VERSION`` (default ``<home>/mlflow/downloads``) unless
    a finished download is there; an alias is resolved to its version first, so moving
    ``champion`` later does not change what an earlier download holds.
    """
    path = Path(ref).expanduser()
    if path.is_dir():
        return ResolvedModel(path=path)
    parts = _split_reference(ref)
    if parts is None:
        raise NotFoundError(
            f"model {ref!r} is neither a directory nor a registered model reference",
            hint="give a model directory, NAME@ALIAS (e.g. intent@champion) or NAME/VERSION",
        )
    name, wanted = parts
    if registry is None or cache_dir is None:
        from colloquy.config import load_settings
        from colloquy.tracking.factory import registry_from_settings

        settings = settings or load_settings()
        registry = registry or registry_from_settings(settings)
        cache_dir = cache_dir or settings.resolved_home / "mlflow" / "downloads"
    record = registry.version_for(name, wanted)
    target = cache_dir / record.name / str(record.version)
    if not (target / "manifest.json").is_file():
        registry.download(record.name, record.version, target)
    return ResolvedModel(path=target, name=record.name, version=record.version)
