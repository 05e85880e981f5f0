"""Data versioning: content-addressed dataset and file versions, snapshots, DVC lineage.

A pipeline run records the version of every dataset it reads, and ``--data-version V``
re-runs on exactly the snapshot of that version (:func:`resolve_data_version`). Users who
keep data in DVC get the md5 and git revision DVC already records (:func:`dvc_lineage`).
"""

from colloquy.data.versions.dvc import (
    default_remote,
    dvc_add,
    dvc_lineage,
    dvc_push,
    find_dvc_root,
    git_revision,
)
from colloquy.data.versions.hashing import (
    conversations_version,
    dataset_version,
    digest_hashes,
    file_version,
)
from colloquy.data.versions.publish import VersionReport, version_dataset
from colloquy.data.versions.records import SHORT_LENGTH, DataVersion, DvcLineage, Snapshot
from colloquy.data.versions.snapshots import (
    default_versions_root,
    list_data_versions,
    resolve_data_version,
    snapshot_dataset,
    snapshot_folder,
)

__all__ = [
    "SHORT_LENGTH",
    "DataVersion",
    "DvcLineage",
    "Snapshot",
    "VersionReport",
    "conversations_version",
    "dataset_version",
    "default_remote",
    "default_versions_root",
    "digest_hashes",
    "dvc_add",
    "dvc_lineage",
    "dvc_push",
    "file_version",
    "find_dvc_root",
    "git_revision",
    "list_data_versions",
    "resolve_data_version",
    "snapshot_dataset",
    "snapshot_folder",
    "version_dataset",
]
