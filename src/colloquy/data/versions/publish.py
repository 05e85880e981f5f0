"""``colloquy data version``: snapshot a dataset and, inside a DVC repository, track it.

The snapshot is content-addressed and immutable; when it lands inside a DVC repository it
is ``dvc add``-ed (so the md5 DVC records names the same bytes the version names) and, if
asked, pushed to the default remote. Outside a repository the snapshot alone is the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from colloquy.data.versions.dvc import dvc_add, dvc_lineage, dvc_push, find_dvc_root
from colloquy.data.versions.records import DvcLineage, Snapshot
from colloquy.data.versions.snapshots import snapshot_dataset
from colloquy.errors import UsageError
from colloquy.progress import ProgressCallback

if TYPE_CHECKING:
    from colloquy.storage import Store


@dataclass(frozen=True, slots=True)
class VersionReport:
    """The snapshot written (or found), and DVC's lineage of it when it is tracked."""

    snapshot: Snapshot
    lineage: DvcLineage | None
    pushed: bool

    def to_dict(self) -> dict[str, object]:
        return {
            **self.snapshot.version.to_dict(),
            "path": str(self.snapshot.path),
            "written": self.snapshot.written,
            "dvc": None if self.lineage is None else self.lineage.to_dict(),
            "pushed": self.pushed,
        }


def version_dataset(
    store: Store,
    name: str,
    root: Path,
    *,
    use_dvc: bool = True,
    push: bool = False,
    progress: ProgressCallback | None = None,
) -> VersionReport:
    """Snapshot ``name`` under ``root``; ``dvc add`` (and ``push``) it inside a DVC repo."""
    snapshot = snapshot_dataset(store, name, root, progress=progress)
    in_repo = use_dvc and find_dvc_root(snapshot.path.parent) is not None
    if push and not in_repo:
        raise UsageError(
            f"{snapshot.path} is not inside a DVC repository, so there is nothing to push",
            hint="choose a --root inside the DVC repository, or leave out --push",
        )
    if not in_repo:
        return VersionReport(snapshot=snapshot, lineage=None, pushed=False)
    lineage = dvc_lineage(snapshot.path)
    if lineage is None or snapshot.written:
        lineage = dvc_add(snapshot.path)
    if push:
        dvc_push(snapshot.path)
    return VersionReport(snapshot=snapshot, lineage=lineage, pushed=push)
