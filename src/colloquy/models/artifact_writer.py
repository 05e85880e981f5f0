"""Writing a model directory: staged under a temporary name, sealed with a manifest that
hashes every file, and renamed into place only when complete.

A failed run never leaves a half-written model, and the target is replaced only when it
is absent, an empty folder, or (with ``overwrite=True``) a colloquy model directory: a
file or a folder of anything else is refused, never deleted.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from colloquy._version import __version__
from colloquy.errors import ArtifactError
from colloquy.models.artifact_format import (
    DATA_SUFFIXES,
    FORMAT_VERSION,
    MANIFEST,
    file_digest,
    is_model_directory,
    manifest_digest,
    walk_files,
)


def check_output(target: Path, *, overwrite: bool = False) -> Path:
    """``target`` made absolute, or an :class:`ArtifactError` if writing there could destroy
    anything but a colloquy model directory the caller agreed to replace.

    Call it before training, so a long run does not end in a refusal.
    """
    target = target.expanduser()
    # Resolve the parent only, so that a link at ``target`` itself is seen and refused.
    if target.name in ("", ".", ".."):
        target = target.resolve()
    else:
        target = target.parent.resolve() / target.name
    if target.is_symlink():
        raise ArtifactError(
            f"{target} is a symbolic link; colloquy writes a model only into a real folder",
            hint="choose another --output path",
        )
    if not target.exists():
        return target
    if not target.is_dir():
        raise ArtifactError(
            f"{target} is an existing file, not a model directory; it was left untouched",
            hint="choose another --output path",
        )
    if not any(target.iterdir()):
        return target
    if not is_model_directory(target):
        raise ArtifactError(
            f"{target} is a folder that is not empty and not a colloquy model directory; "
            "nothing in it was touched",
            hint="choose a new or empty --output folder",
        )
    if not overwrite:
        raise ArtifactError(
            f"{target} already holds a colloquy model",
            hint="pass --overwrite to replace it, or choose another --output folder",
        )
    return target


@contextmanager
def staged_directory(target: Path, *, overwrite: bool = False) -> Iterator[Path]:
    """A temporary folder beside ``target`` that becomes ``target`` when the block succeeds.

    ``target`` is checked with :func:`check_output` before and again just before the
    swap; an existing model directory is replaced only after the new one is complete.
    """
    target = check_output(target, overwrite=overwrite)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise ArtifactError(
            f"cannot write a model to {target}: {exc.strerror or exc}",
            hint="choose a writable --output path",
        ) from None
    try:
        yield staging
        check_output(target, overwrite=overwrite)
        _swap(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap(staging: Path, target: Path) -> None:
    backup = None
    try:
        if target.exists():
            backup = target.with_name(f".{target.name}.old")
            shutil.rmtree(backup, ignore_errors=True)
            target.rename(backup)
        staging.rename(target)
    except OSError as exc:
        if backup is not None and not target.exists():
            backup.rename(target)
        raise ArtifactError(
            f"cannot move the new model into {target}: {exc.strerror or exc}",
            hint="check the folder's permissions",
        ) from None
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def write_model(staging: Path, *, kind: str, **fields: Any) -> dict[str, Any]:
    """Seal a staged folder: write its manifest with the hash of every file it holds."""
    files = {name: file_digest(staging / name) for name in walk_files(staging)}
    manifest: dict[str, Any] = {
        "format": f"colloquy-{kind}",
        "format_version": FORMAT_VERSION,
        "colloquy_version": __version__,
        "created_at": datetime.now(UTC).isoformat(),
        **fields,
        "files": files,
    }
    manifest["sha256"] = manifest_digest(manifest)
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (staging / MANIFEST).write_text(text, encoding="utf-8")
    return manifest


def write_arrays(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Arrays as safetensors (contiguous, so the file round-trips byte for byte)."""
    from safetensors.numpy import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({name: np.ascontiguousarray(array) for name, array in arrays.items()}, str(path))


def write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")


def dump_sklearn(obj: object, path: Path) -> None:
    import skops.io as sio

    sio.dump(obj, path)


def copy_data_files(source: Path, target: Path, *, skip: Collection[str] = ()) -> None:
    """Copy the data files of a folder (e.g. a sentence encoder), nothing executable, and
    none under the top-level folders named in ``skip``."""
    for file in sorted(source.rglob("*")):
        relative = file.relative_to(source)
        if relative.parts[0] in skip or (file.is_symlink() and not file.resolve().is_file()):
            continue
        if file.is_file() and file.suffix in DATA_SUFFIXES and not _hidden(relative):
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target / relative)


def _hidden(relative: PurePosixPath | Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)
