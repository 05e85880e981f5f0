"""Opening a model directory: nothing in it is parsed before the manifest, the file list
and every type a file may import have been checked, and each file is hash-checked as it
is read.

The checks themselves are listed in :mod:`colloquy.models.artifacts`; the allow-lists
live in :mod:`colloquy.models.artifact_trust`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from colloquy._version import __version__
from colloquy.errors import ArtifactError, ColloquyError, NotFoundError
from colloquy.extras import missing_extra
from colloquy.models.artifact_format import (
    DATA_SUFFIXES,
    FORMAT_VERSION,
    MANIFEST,
    file_digest,
    manifest_digest,
    walk_files,
)
from colloquy.models.artifact_trust import check_encoder_modules, check_shapes, check_skops


def read_manifest(directory: Path, *, kind: str) -> dict[str, Any]:
    """The manifest of a model directory, after checking its format, version and digest."""
    path = directory / MANIFEST
    if not directory.is_dir():
        raise NotFoundError(f"model directory {directory} does not exist")
    if path.is_symlink() or not path.is_file():
        raise ArtifactError(
            f"{directory} is not a colloquy model directory (no {MANIFEST})",
            hint="point --model at a directory written by `colloquy train`",
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{path} is corrupt: {exc}", hint="retrain the model") from None
    if not isinstance(manifest, dict) or manifest.get("format") != f"colloquy-{kind}":
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise ArtifactError(f"{directory} holds a {found!r} model, not colloquy-{kind}")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(
            f"{directory} uses model format {manifest.get('format_version')!r}; this colloquy "
            f"({__version__}) reads format {FORMAT_VERSION}",
            hint="retrain the model with this version of colloquy",
        )
    made_with = str(manifest.get("colloquy_version", "?"))
    if made_with.split(".")[0] != __version__.split(".")[0]:
        raise ArtifactError(
            f"{directory} was written by colloquy {made_with}, incompatible with {__version__}",
            hint="retrain the model with this version of colloquy",
        )
    if manifest.get("sha256") != manifest_digest(manifest):
        raise ArtifactError(
            f"{path} was edited after the model was saved (its SHA-256 does not match)",
            hint="restore the model directory from where it was saved, or retrain",
        )
    return manifest


def open_model(directory: Path | str, *, kind: str) -> ModelDirectory:
    """A model directory checked as the module docstring says, ready to be read."""
    path = Path(directory).expanduser()
    manifest = read_manifest(path, kind=kind)
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(name, str) and isinstance(digest, str) for name, digest in files.items()
    ):
        raise ArtifactError(f"{path / MANIFEST} has no valid 'files' table", hint="retrain")
    for name in files:
        _check_name(path, name)
    present = set(walk_files(path))
    missing = sorted(set(files) - present)
    if missing:
        raise ArtifactError(
            f"{path / missing[0]} is missing (listed in the manifest)",
            hint="restore the model directory from where it was saved, or retrain",
        )
    extra = sorted(present - set(files))
    if extra:
        raise ArtifactError(
            f"{path / extra[0]} is not part of the saved model (not in the manifest)",
            hint="remove it, or restore the model directory from where it was saved",
        )
    model = ModelDirectory(path, manifest, files)
    model.scan()
    return model


class ModelDirectory:
    """An opened model directory: every read is hash-checked, every file read once."""

    def __init__(self, path: Path, manifest: dict[str, Any], files: Mapping[str, str]) -> None:
        self.path = path
        self.manifest = manifest
        self._files = dict(files)
        self._verified: set[str] = set()
        self._skops: dict[str, bytes] = {}

    def has(self, name: str) -> bool:
        return name in self._files

    def names(self, folder: str) -> list[str]:
        """The listed files under ``folder`` (relative to the model directory)."""
        prefix = folder.rstrip("/") + "/"
        return sorted(name for name in self._files if name.startswith(prefix))

    def read_bytes(self, name: str) -> bytes:
        """The content of file ``name``, after checking it against its recorded SHA-256."""
        if name not in self._files:
            raise ArtifactError(f"{self.path / name} is missing", hint="retrain the model")
        try:
            data = (self.path / name).read_bytes()
        except OSError as exc:
            raise ArtifactError(f"{self.path / name} cannot be read: {exc.strerror}") from None
        self._check_digest(name, hashlib.sha256(data).hexdigest())
        return data

    def read_json(self, name: str) -> Any:
        try:
            return json.loads(self.read_bytes(name).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ArtifactError(f"{self.path / name} is corrupt: {exc}", hint="retrain") from None

    def read_arrays(
        self, name: str, shapes: Mapping[str, tuple[int, ...]] | None = None
    ) -> dict[str, np.ndarray]:
        """The arrays of safetensors file ``name``; with ``shapes``, exactly those names and
        shapes (``-1`` accepts any size on that axis)."""
        from safetensors import SafetensorError
        from safetensors.numpy import load

        try:
            arrays = load(self.read_bytes(name))
        except (SafetensorError, ValueError, OverflowError) as exc:
            raise ArtifactError(f"{self.path / name} is corrupt: {exc}", hint="retrain") from None
        if shapes is not None:
            check_shapes(self.path / name, arrays, shapes)
        return arrays

    def read_sklearn(self, name: str) -> Any:
        """A skops file, whose types were checked by :meth:`scan` when the folder opened."""
        import skops.io as sio

        data = self._skops.get(name)
        if data is None:
            raise ArtifactError(f"{self.path / name} is missing", hint="retrain the model")
        try:
            return sio.loads(data, trusted=sio.get_untrusted_types(data=data))
        except ColloquyError:
            raise
        except Exception as exc:
            needed = missing_extra(exc, feature=str(self.path / name))
            if needed is not None:
                raise needed from None
            raise ArtifactError(f"{self.path / name} is corrupt ({type(exc).__name__})") from None

    def folder(self, name: str) -> Path:
        """A listed sub-folder (a sentence encoder) for a library that reads paths, after
        checking every file in it and the modules it names."""
        names = self.names(name)
        if not names:
            raise ArtifactError(f"{self.path / name} is missing", hint="retrain the model")
        for file in names:
            if file not in self._verified:
                self._check_digest(file, file_digest(self.path / file))
        check_encoder_modules(self.path / name)
        return self.path / name

    def scan(self) -> None:
        """Check every skops file's types against the allow-list before anything is loaded."""
        for name in sorted(n for n in self._files if n.endswith(".skops")):
            data = self.read_bytes(name)
            check_skops(self.path / name, data)
            self._skops[name] = data
        for name in sorted(n for n in self._files if n.endswith("/modules.json")):
            check_encoder_modules((self.path / name).parent)

    def finish(self) -> None:
        """Check the files the loader did not read, and drop what was held for it."""
        for name in sorted(set(self._files) - self._verified):
            self._check_digest(name, file_digest(self.path / name))
        self._skops.clear()

    def _check_digest(self, name: str, digest: str) -> None:
        if digest != self._files[name]:
            raise ArtifactError(
                f"{self.path / name} is not the file that was saved (SHA-256 mismatch)",
                hint="restore the model directory from where it was saved, or retrain",
            )
        self._verified.add(name)


def _check_name(directory: Path, name: str) -> None:
    """A manifest entry must be a plain relative path to a data file inside ``directory``."""
    pure = PurePosixPath(name)
    if (
        not name
        or "\\" in name
        or "\0" in name
        or pure.is_absolute()
        or any(part in ("", ".", "..") for part in name.split("/"))
        or name == MANIFEST
    ):
        raise ArtifactError(
            f"{directory / MANIFEST} lists {name!r}, which is not a path inside the model",
            hint="only load models you trained with colloquy",
        )
    if pure.suffix not in DATA_SUFFIXES:
        raise ArtifactError(
            f"{directory / name}: {pure.suffix or 'no suffix'} files are not allowed in a model "
            "directory (only data formats)",
            hint="only load models you trained with colloquy",
        )
