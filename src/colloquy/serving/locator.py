"""From a configured model reference to the directory it names now, and whether that moved.

A reference is one of:

- a model directory, served as it is (a changed manifest digest counts as a new version,
  so a directory replaced in place is swapped too);
- ``NAME/VERSION``, a fixed registered version (it never moves);
- ``NAME@ALIAS``, whatever version the alias points at: the poller asks the registry for
  the alias's version, which is cheap, and downloads only when it changed;
- nothing: the registry's ``champion`` of the kind, found by reading the manifest format
  of each model that has a ``champion`` (downloads are cached by name and version, so this
  costs one download per version, once). The newest-updated champion of the kind wins,
  and from then on that model's ``champion`` alias is watched.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from colloquy.errors import ArtifactError, ColloquyError, NotFoundError
from colloquy.serving.records import Located, ServingKind

if TYPE_CHECKING:
    from colloquy.tracking.registry import ModelRegistry

__all__ = ["ModelLocator", "RegistryFactory", "describe_failure", "manifest_of"]

RegistryFactory = Callable[[], "ModelRegistry"]
"""Builds the registry on first use: MLflow is imported only when a reference needs it."""

_DOWNLOADS = threading.Lock()
"""One registry download at a time: the intent and conversion holders start together and
may both discover (and download) the same registered version into the same folder."""

_FORMATS: dict[str, ServingKind] = {
    "colloquy-intent": "intent",
    "colloquy-conversion": "conversion",
}


def manifest_of(directory: Path) -> tuple[ServingKind, str]:
    """The serving kind and manifest digest of ``directory`` (the manifest only is read)."""
    path = directory / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(
            f"{directory} is not a colloquy model directory (no manifest.json)",
            hint="give a folder written by `colloquy train`",
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{path}: unreadable ({exc})", hint="train the model again") from None
    found = manifest.get("format") if isinstance(manifest, dict) else None
    kind = _FORMATS.get(found) if isinstance(found, str) else None
    digest = manifest.get("sha256") if isinstance(manifest, dict) else None
    if kind is None:
        raise ArtifactError(
            f"{directory} holds a {found!r} model; the API serves {', '.join(_FORMATS)}",
            hint="give an intent or conversion model",
        )
    if not isinstance(digest, str) or len(digest) != 64:
        raise ArtifactError(f"{path} has no valid 'sha256'", hint="train the model again")
    return kind, digest


class ModelLocator:
    """Resolves one configured reference of one kind; see the module docstring."""

    def __init__(
        self,
        kind: ServingKind,
        reference: str | None,
        *,
        registry: RegistryFactory,
        cache_dir: Path,
    ) -> None:
        self.kind = kind
        self.reference = reference
        self._registry_factory = registry
        self._registry: ModelRegistry | None = None
        self.cache_dir = cache_dir
        self._watched: str | None = reference

    @property
    def description(self) -> str:
        """The reference as configured, or ``champion of kind`` when none was."""
        return self.reference or f"the registry's champion {self.kind} model"

    def registry(self) -> ModelRegistry:
        if self._registry is None:
            self._registry = self._registry_factory()
        return self._registry

    def locate(self) -> Located:
        """The model directory the reference names now (downloaded when registered)."""
        if self._watched is None:
            found = self._discover()
            self._watched = f"{found.name}@{found.alias}"
            return found
        return self._resolve(self._watched)

    def moved(self, current: Located) -> bool:
        """Whether the reference now names another version than ``current`` (cheap)."""
        watched = self._watched
        if watched is None:
            return True
        path = Path(watched).expanduser()
        if path.is_dir():
            return manifest_of(path)[1] != current.sha256
        if "@" in watched:
            name, _, alias = watched.partition("@")
            return str(self.registry().alias_version(name, alias)) != current.version
        return False

    def _resolve(self, reference: str) -> Located:
        from colloquy.tracking.registry import resolve_model_reference

        path = Path(reference).expanduser()
        if path.is_dir():
            folder = path.absolute()
            _, digest = self._checked(folder, reference)
            return Located(path=folder, name=folder.name, version=digest[:12], sha256=digest)
        with _DOWNLOADS:
            resolved = resolve_model_reference(
                reference, registry=self.registry(), cache_dir=self.cache_dir
            )
        _, digest = self._checked(resolved.path, reference)
        alias = reference.partition("@")[2] or None
        return Located(
            path=resolved.path,
            name=resolved.name or resolved.path.name,
            version=str(resolved.version),
            sha256=digest,
            alias=alias,
        )

    def _checked(self, path: Path, reference: str) -> tuple[ServingKind, str]:
        kind, digest = manifest_of(path)
        if kind != self.kind:
            raise ArtifactError(
                f"{reference} is a {kind} model, configured as the {self.kind} model",
                hint=f"give a {self.kind} model directory or registered {self.kind} model",
            )
        return kind, digest

    def _discover(self) -> Located:
        from colloquy.tracking.registry import CHAMPION

        registry = self.registry()
        candidates = sorted(
            (m for m in registry.list_models() if CHAMPION in m.aliases),
            key=lambda m: m.updated_at,
            reverse=True,
        )
        for model in candidates:
            try:
                located = self._resolve(f"{model.name}@{CHAMPION}")
            except ArtifactError:
                continue
            return located
        raise NotFoundError(
            f"no registered {self.kind} model has a {CHAMPION!r} alias",
            hint=f"register one (a pipeline's register stage) or serve a directory with "
            f"--{self.kind}-model",
        )


def describe_failure(exc: BaseException) -> str:
    """One line for a load failure: colloquy's own message, else the exception's type."""
    if isinstance(exc, ColloquyError):
        return exc.one_line()
    return f"{type(exc).__name__}: {exc}"
