"""Turning a model reference into a loaded :class:`BatchModel`, once per batch run.

A reference is a model directory, or ``NAME@ALIAS`` / ``NAME/VERSION`` in the model
registry (resolved by :func:`colloquy.tracking.resolve_model_reference`, which downloads
the registered colloquy model directory). The model kind is read from the manifest's
``format`` against an exact allow-list before the model's own loader, which verifies every
file, opens the directory.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from colloquy.errors import ArtifactError, NotFoundError, UsageError
from colloquy.models.artifacts import MANIFEST
from colloquy.pipelines.batch.adapters.base import BatchModel
from colloquy.pipelines.batch.records import ModelKind

if TYPE_CHECKING:
    from colloquy.config import Settings

_KINDS: dict[str, ModelKind] = {
    "colloquy-intent": "intent",
    "colloquy-conversion": "conversion",
    "colloquy-tabular": "classification",
}
_REFERENCE = re.compile(r"^[A-Za-z0-9_.\-]+(@[A-Za-z0-9_.\-]+|/[0-9]+)$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class ModelSource:
    """Where a referenced model's directory is, and its registry name and version if any."""

    path: Path
    name: str
    version: str | None


def resolve_reference(reference: Path | str, *, settings: Settings | None = None) -> ModelSource:
    """A model directory as given, or a registry reference resolved through the registry."""
    path = Path(reference).expanduser()
    if path.is_dir():
        return ModelSource(path=path.absolute(), name=path.absolute().name, version=None)
    text = str(reference)
    if not _REFERENCE.match(text):
        raise NotFoundError(
            f"no model directory {path}",
            hint="give a model directory, NAME@ALIAS (e.g. banking77@champion) or NAME/VERSION",
        )
    try:
        from colloquy.tracking import resolve_model_reference
    except ImportError:
        raise UsageError(
            f"model registry references such as {text!r} need colloquy.tracking",
            hint="give the model directory instead",
        ) from None
    resolved = resolve_model_reference(text, settings=settings)
    name = resolved.name or Path(resolved.path).name
    version = None if resolved.version is None else str(resolved.version)
    return ModelSource(path=Path(resolved.path), name=name, version=version)


def model_kind(directory: Path) -> tuple[ModelKind, str]:
    """The kind and manifest digest of the model in ``directory`` (nothing else is read)."""
    manifest_path = directory / MANIFEST
    try:
        manifest: Any = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactError(
            f"{directory} is not a colloquy model directory (no {MANIFEST})",
            hint="give a folder written by `colloquy train`",
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{manifest_path}: unreadable ({exc})", hint="retrain") from None
    found = manifest.get("format") if isinstance(manifest, dict) else None
    kind = _KINDS.get(found) if isinstance(found, str) else None
    if kind is None:
        raise ArtifactError(
            f"{directory} holds a {found!r} model; batch prediction serves "
            f"{', '.join(sorted(_KINDS))}",
            hint="give an intent, conversion or tabular classification model",
        )
    digest = manifest.get("sha256")
    if not isinstance(digest, str) or not _SHA256.match(digest):
        raise ArtifactError(f"{manifest_path} has no valid 'sha256'", hint="retrain")
    return kind, digest


def load_batch_model(
    reference: Path | str | BatchModel[Any], *, settings: Settings | None = None
) -> BatchModel[Any]:
    """The model behind ``reference``, loaded once (an already loaded one is returned)."""
    if isinstance(reference, BatchModel):
        return reference
    source = resolve_reference(reference, settings=settings)
    kind, digest = model_kind(source.path)
    version = source.version or digest[:12]
    if kind == "intent":
        from colloquy.pipelines.batch.adapters.intent import IntentBatchModel
        from colloquy.pipelines.intent import IntentModel

        intent = IntentModel.load(source.path)
        return IntentBatchModel(intent, name=source.name, version=version, sha256=digest)
    if kind == "classification":
        from colloquy.models.tabular import TabularModel
        from colloquy.pipelines.batch.adapters.tabular import TabularBatchModel

        tabular = TabularModel.load(source.path)
        return TabularBatchModel(tabular, name=source.name, version=version, sha256=digest)
    from colloquy.pipelines.batch.adapters.conversion import ConversionBatchModel
    from colloquy.pipelines.conversion_model import ConversionModel

    conversion = ConversionModel.load(source.path)
    return ConversionBatchModel(conversion, name=source.name, version=version, sha256=digest)
