"""What every model directory shares, whichever side touches it: the manifest's name and
format version, the suffixes a file may have, and how files and manifests are hashed.

Writing (:mod:`colloquy.models.artifact_writer`) and opening
(:mod:`colloquy.models.artifact_reader`) both build on these, so a directory is hashed
and walked the same way when it is sealed as when it is checked.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from colloquy.errors import ArtifactError

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
DATA_SUFFIXES = frozenset({".json", ".safetensors", ".onnx", ".txt", ".skops", ".md", ".model"})
"""The only file suffixes a model directory may hold: formats that carry data, not code."""


def data_fingerprint(texts: Sequence[str], labels: Sequence[str]) -> str:
    """SHA-256 over the training rows, so a model records exactly what it learned from."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(text.encode("utf-8"))
        digest.update(b"\x1f")
        digest.update(label.encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def manifest_digest(manifest: Mapping[str, Any]) -> str:
    """SHA-256 of a manifest's canonical JSON, leaving out its own ``sha256`` field."""
    body = {key: value for key, value in manifest.items() if key != "sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def is_model_directory(path: Path) -> bool:
    """Whether ``path`` holds a manifest that says it is a colloquy model directory."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and str(manifest.get("format", "")).startswith("colloquy-")


def walk_files(directory: Path) -> list[str]:
    """Every file under ``directory`` (but the manifest), refusing links and special files."""
    found: list[str] = []
    for root, dirs, files in os.walk(directory, followlinks=False):
        for name in [*dirs, *files]:
            path = Path(root) / name
            mode = path.lstat().st_mode
            relative = path.relative_to(directory).as_posix()
            if stat.S_ISLNK(mode):
                raise ArtifactError(
                    f"{path} is a symbolic link; a model directory holds plain files only",
                    hint="only load models you trained with colloquy",
                )
            if name in files and not stat.S_ISREG(mode):
                raise ArtifactError(f"{path} is not a regular file", hint="retrain the model")
            if name in files and relative != MANIFEST:
                found.append(relative)
    return sorted(found)
