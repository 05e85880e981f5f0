"""The content version of a pipeline's data, checked against the version asked for.

Files are versioned by the hash of their bytes (a folder by its sorted files); a stored
dataset is read from its immutable snapshot, whose version is pinned in the file (or by
``--data-version``). The version goes into every stage's cache key and into the run
record, with the DVC revision and md5 of each input that lives in a DVC repository.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from colloquy.errors import DataError
from colloquy.pipelines.spec.data import ClassificationData, ConversionData, DataSpec, TextData


@dataclass(frozen=True, slots=True)
class DataIdentity:
    """The data a run reads: its version, the files, and their DVC lineage (if any)."""

    version: str
    files: tuple[Path, ...]
    lineage: tuple[str, ...]


def pin_version(data: DataSpec, requested: str | None) -> DataSpec:
    """``data`` with ``--data-version`` applied (it replaces the file's ``version``)."""
    if requested is None:
        return data
    return data.model_copy(update={"version": requested})


def identify(data: DataSpec, home: Path) -> DataIdentity:
    """Version ``data`` and fail clearly when it is not the version the run asks for."""
    from colloquy.data.versions import SHORT_LENGTH, file_version

    files = _files(data, home)
    if isinstance(data, TextData) and data.dataset is not None and data.version is not None:
        return DataIdentity(data.version, files, _lineage(files))
    if files:
        digest = hashlib.sha256()
        for file in files:
            digest.update(file_version(file).sha256.encode())
        version = digest.hexdigest()[:SHORT_LENGTH] if len(files) > 1 else _single(files[0])
    else:
        version = _query_version(data)
    wanted = data.version
    if wanted is not None and not (len(wanted) >= 4 and version.startswith(wanted)):
        shown = ", ".join(str(f) for f in files) or "the SQL source"
        raise DataError(
            f"the data ({shown}) has version {version}, not {wanted}",
            hint="run on the data of that version (`colloquy data version NAME` makes "
            "snapshots), or drop --data-version / data.version to accept the current data",
        )
    return DataIdentity(version, files, _lineage(files))


def _single(file: Path) -> str:
    from colloquy.data.versions import file_version

    return file_version(file).version


def _files(data: DataSpec, home: Path) -> tuple[Path, ...]:
    if isinstance(data, TextData):
        if data.dataset is not None:
            from colloquy.pipelines.components.frames import snapshot_path

            return (snapshot_path(data, home),)
        return tuple(p for p in (data.path, data.test_path) if p is not None)
    if isinstance(data, ConversionData):
        return (data.path,)
    return (data.source.path,) if data.source.path is not None else ()


def _query_version(data: DataSpec) -> str:
    from colloquy.data.versions import SHORT_LENGTH
    from colloquy.pipelines.components.frames import read_table_rows

    assert isinstance(data, ClassificationData)
    frame = read_table_rows(data)
    digest = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
    return digest[:SHORT_LENGTH]


def _lineage(files: tuple[Path, ...]) -> tuple[str, ...]:
    from colloquy.data.versions import dvc_lineage

    found = []
    for file in files:
        lineage = dvc_lineage(file)
        if lineage is not None:
            revision = lineage.git_revision or "uncommitted"
            found.append(f"{lineage.path}: dvc md5 {lineage.md5} at git {revision}")
    return tuple(found)
