"""The records data versioning returns: a content-addressed version, a snapshot, a DVC lineage.

They are frozen so a run can keep them as its lineage (tags, run state) and compare them
later; :meth:`DataVersion.to_dict` and :meth:`DvcLineage.to_dict` give the JSON form the
CLI prints and a pipeline run stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

VersionKind = Literal["dataset", "file"]
LineageSource = Literal["dvc-file", "dvc.lock"]

SHORT_LENGTH = 12
"""Hex digits of the SHA-256 that name a version: short enough to type, long enough that
two versions of one dataset never collide in practice (48 bits)."""


@dataclass(frozen=True, slots=True)
class DataVersion:
    """The content address of a dataset or a file, with what it counted.

    ``version`` is the first :data:`SHORT_LENGTH` hex digits of ``sha256``. A stored
    dataset counts conversations and turns; a file or folder counts files and bytes.
    """

    kind: VersionKind
    name: str
    version: str
    sha256: str
    created: datetime
    conversations: int | None = None
    turns: int | None = None
    files: int | None = None
    bytes: int | None = None

    def to_dict(self) -> dict[str, str | int | None]:
        return {
            "kind": self.kind,
            "name": self.name,
            "version": self.version,
            "sha256": self.sha256,
            "created": self.created.isoformat(),
            "conversations": self.conversations,
            "turns": self.turns,
            "files": self.files,
            "bytes": self.bytes,
        }


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A dataset version exported to ``path`` (colloquy JSONL); ``written`` is False when
    the snapshot already existed and was reused (snapshots are immutable)."""

    version: DataVersion
    path: Path
    written: bool


@dataclass(frozen=True, slots=True)
class DvcLineage:
    """Where a path stands in a DVC repository: the md5 DVC recorded and the git revision.

    ``path`` is relative to ``repo_root``; ``source`` says whether the md5 comes from the
    path's own ``.dvc`` file or from a ``dvc.lock`` stage output; ``remote`` is the default
    remote (None when none is configured).
    """

    repo_root: Path
    path: str
    md5: str
    source: LineageSource
    dvc_file: Path
    git_revision: str | None = None
    size: int | None = None
    remote: str | None = None
    remote_url: str | None = None

    def to_dict(self) -> dict[str, str | int | None]:
        return {
            "repo_root": str(self.repo_root),
            "path": self.path,
            "md5": self.md5,
            "source": self.source,
            "dvc_file": str(self.dvc_file),
            "git_revision": self.git_revision,
            "size": self.size,
            "remote": self.remote,
            "remote_url": self.remote_url,
        }
