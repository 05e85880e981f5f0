"""Immutable dataset snapshots: ``<root>/<dataset>/<version>.jsonl``, found again by version.

A snapshot is the dataset exported as colloquy JSONL (lossless; it reads back with the
``conversations`` loader), named by its content-addressed version, so re-running on
"version 3fa2…" means reading exactly that file. It is written under a temporary name,
checked against the version while it is written (an ingest racing the export would
otherwise give a file whose name lies), and renamed into place; an existing snapshot is
never rewritten. A ``<version>.json`` sidecar keeps the full record.

A snapshot folder is read back as untrusted: :func:`resolve_data_version` re-hashes the
conversations it reads, so an edited snapshot is refused rather than trained on.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from colloquy.data.versions.hashing import conversations_version, dataset_version, digest_hashes
from colloquy.data.versions.records import Snapshot
from colloquy.errors import DataError, NotFoundError, StorageError, UsageError
from colloquy.progress import ProgressCallback

if TYPE_CHECKING:
    from collections.abc import Iterator

    from colloquy.schema import Conversation
    from colloquy.storage import Store

_HEX = re.compile(r"[0-9a-f]{4,64}")
_SUFFIX = ".jsonl"


def snapshot_folder(root: Path, name: str) -> Path:
    """Where the snapshots of dataset ``name`` live; a name that is not one folder name
    (a path separator, ``..``, a leading dot) is refused rather than followed."""
    if not name or "/" in name or "\\" in name or name.startswith(".") or "\x00" in name:
        raise UsageError(
            f"dataset name {name!r} cannot name a snapshot folder",
            hint="snapshot a dataset whose name has no '/', '\\' or leading '.'",
        )
    return Path(root).expanduser() / name


def snapshot_dataset(
    store: Store, name: str, root: Path, *, progress: ProgressCallback | None = None
) -> Snapshot:
    """Export the stored dataset ``name`` to ``<root>/<name>/<version>.jsonl`` once."""
    from colloquy.data.export import export_conversations

    folder = snapshot_folder(root, name)
    version = dataset_version(store, name)
    target = folder / f"{version.version}{_SUFFIX}"
    sidecar = target.with_suffix(".json")
    if target.is_file():
        if not sidecar.is_file():
            _write_sidecar(sidecar, version.to_dict())
        return Snapshot(version=version, path=target, written=False)
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / f".{version.version}.staging{_SUFFIX}"
    seen: list[str] = []
    try:
        export_conversations(
            _hashed(store.conversations(name), seen), staging, fmt="jsonl", progress=progress
        )
        if digest_hashes(seen) != version.sha256:
            raise StorageError(
                f"dataset {name!r} changed while its snapshot was written",
                hint=f"run `colloquy data version {name}` again once the ingest has finished",
            )
        staging.replace(target)
    finally:
        staging.unlink(missing_ok=True)
    _write_sidecar(sidecar, version.to_dict())
    return Snapshot(version=version, path=target, written=True)


def _hashed(conversations: Iterator[Conversation], seen: list[str]) -> Iterator[Conversation]:
    for conversation in conversations:
        seen.append(conversation.content_hash)
        yield conversation


def _write_sidecar(path: Path, record: dict[str, str | int | None]) -> None:
    staging = path.with_name(f".{path.name}.partial")
    staging.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    staging.replace(path)


def list_data_versions(name: str, root: Path) -> list[str]:
    """The versions of ``name`` snapshotted under ``root``, sorted."""
    folder = snapshot_folder(root, name)
    if not folder.is_dir():
        return []
    return sorted(
        path.stem
        for path in folder.glob(f"*{_SUFFIX}")
        if _HEX.fullmatch(path.stem) and path.is_file() and not path.is_symlink()
    )


def resolve_data_version(name: str, version: str, root: Path, *, verify: bool = True) -> Path:
    """The snapshot of ``name`` at ``version`` (the full short version or a unique prefix
    of at least 4 hex digits), checked to hold exactly that data unless ``verify`` is off."""
    wanted = version.strip().lower()
    if not _HEX.fullmatch(wanted):
        raise UsageError(
            f"data version {version!r} is not a version (4 to 64 hex digits)",
            hint=f"list them with `colloquy data version {name}` or look in {root}/{name}",
        )
    known = list_data_versions(name, root)
    matches = [v for v in known if v.startswith(wanted) or wanted.startswith(v)]
    if not matches:
        shown = ", ".join(known) if known else "none"
        raise NotFoundError(
            f"dataset {name} has no version {wanted} under {root}; known: {shown}",
            hint=f"make one with `colloquy data version {name}`",
        )
    if len(matches) > 1:
        raise UsageError(
            f"data version {wanted} of {name} is ambiguous: {', '.join(matches)}",
            hint="give more digits",
        )
    path = snapshot_folder(root, name) / f"{matches[0]}{_SUFFIX}"
    if verify:
        _verify(path, name, matches[0])
    return path


def _verify(path: Path, name: str, version: str) -> None:
    from colloquy.data.loaders import get_loader

    found = conversations_version(get_loader("conversations").load(path), name=name)
    if not found.sha256.startswith(version):
        raise DataError(
            f"{path} no longer holds version {version} of {name} (its content hashes to "
            f"{found.version})",
            hint=f"delete it and run `colloquy data version {name}` on the stored dataset",
        )


def default_versions_root(home: Path, cwd: Path | None = None) -> Path:
    """``<repo>/data/versions`` when ``cwd`` is inside a DVC repository (so the snapshot
    can be ``dvc add``-ed), else ``<home>/data/versions``."""
    from colloquy.data.versions.dvc import find_dvc_root

    repo = find_dvc_root(cwd or Path.cwd())
    if repo is not None:
        return repo / "data" / "versions"
    return Path(home).expanduser() / "data" / "versions"
