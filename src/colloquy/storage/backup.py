"""Backups of the store that restore to the same rows, checked by counting them.

SQLite is copied with its online backup API (``sqlite3.Connection.backup``), which takes
pages under the database's own locking, so the copy is a consistent snapshot even while
an ingest writes (an uncommitted ingest is simply not in it). PostgreSQL goes through
``pg_dump --format=custom`` (one transaction snapshot) and ``pg_restore``. Every backup
FILE gets ``FILE.manifest.json``: the engine, row counts per table, the file's SHA-256,
and the model / MLflow folders it depends on (referenced by path, size and file count,
not copied: they are usually far larger than the store and live in their own storage).
A restore refuses a file whose checksum differs and verifies the counts afterwards.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import URL, Connection, create_engine, func, inspect, select, table, text

from colloquy.errors import NotFoundError, StorageError, UsageError
from colloquy.storage.engine import parse_url, render_url

MANIFEST_SUFFIX = ".manifest.json"
_SKIP_TABLES = {"alembic_version"}


class BackupError(StorageError):
    """A backup or restore could not be made or did not verify."""


@dataclass(frozen=True, slots=True)
class ArtifactReference:
    path: str
    exists: bool
    files: int
    bytes: int


@dataclass(frozen=True, slots=True)
class BackupManifest:
    kind: str
    source: str
    created_at: str
    sha256: str
    bytes: int
    counts: dict[str, int]
    artifacts: tuple[ArtifactReference, ...]

    def write(self, path: Path) -> None:
        manifest_path(path).write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")

    @classmethod
    def read(cls, path: Path) -> BackupManifest:
        where = manifest_path(path)
        if not where.is_file():
            raise NotFoundError(
                f"backup {path} has no manifest {where.name}",
                hint="restore only files written by `colloquy db backup`",
            )
        data = json.loads(where.read_text())
        data["artifacts"] = tuple(ArtifactReference(**a) for a in data["artifacts"])
        return cls(**data)


@dataclass(frozen=True, slots=True)
class RestoreReport:
    target: str
    counts: dict[str, int]


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + MANIFEST_SUFFIX)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _reference(folder: Path) -> ArtifactReference:
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
    return ArtifactReference(
        path=str(folder.resolve()),
        exists=folder.is_dir(),
        files=len(files),
        bytes=sum(p.stat().st_size for p in files),
    )


def table_counts(url: str | URL) -> dict[str, int]:
    """Rows per table (migration bookkeeping left out), the round trip's check."""
    engine = create_engine(url if isinstance(url, URL) else parse_url(url))
    try:
        with engine.connect() as conn:
            return _counts(conn)
    finally:
        engine.dispose()


def _counts(conn: Connection) -> dict[str, int]:
    names = sorted(set(inspect(conn).get_table_names()) - _SKIP_TABLES)
    return {
        name: int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())
        for name in names
    }


def _sqlite_path(url: URL) -> Path:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise UsageError(
            f"cannot back up SQLite database {database or ':memory:'!r}",
            hint="back up a store kept in a file",
        )
    return Path(database).expanduser()


def _sqlite_copy(source: Path, target: Path) -> None:
    """Online copy in one step, inside one read snapshot (the store runs in WAL mode, so
    writers carry on meanwhile). Copying in several steps would restart whenever another
    connection commits, and could never finish under a steady stream of writes."""
    src = sqlite3.connect(source, timeout=60)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup from {source} to {target} failed: {exc}") from None
    finally:
        dst.close()
        src.close()


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, which goes in PGPASSWORD."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed; PostgreSQL backups need it",
            hint="install the PostgreSQL client tools (e.g. apt install postgresql-client)",
        )
    return found


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise BackupError(f"{what} failed (exit {result.returncode}): {message}")


def backup(url: str, target: Path, *, artifacts: tuple[Path, ...] = ()) -> BackupManifest:
    """Write a consistent copy of the store at ``url`` to ``target`` plus its manifest."""
    parsed = parse_url(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise UsageError(f"backup file {target} already exists", hint="choose a new file name")
    if parsed.get_backend_name() == "sqlite":
        source = _sqlite_path(parsed)
        if not source.is_file():
            raise NotFoundError(f"SQLite database {source} does not exist")
        _sqlite_copy(source, target)
        counts = table_counts(f"sqlite:///{target}")
        kind = "sqlite"
    else:
        counts = _pg_dump(parsed, target)
        kind = "postgresql"
    manifest = BackupManifest(
        kind=kind,
        source=render_url(parsed),
        created_at=datetime.now(UTC).isoformat(),
        sha256=_sha256(target),
        bytes=target.stat().st_size,
        counts=counts,
        artifacts=tuple(_reference(folder) for folder in artifacts),
    )
    manifest.write(target)
    return manifest


def _pg_dump(url: URL, target: Path) -> dict[str, int]:
    """Dump and count rows inside one exported snapshot, so the counts are the dump's.

    Counting in a separate transaction would race with writers committing meanwhile.
    """
    conninfo, env = _libpq(url)
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn, conn.begin():
            snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
            counts = _counts(conn)
            command = [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}"]
            _run([*command, f"--snapshot={snapshot}", f"--dbname={conninfo}"], env, "pg_dump")
    finally:
        engine.dispose()
    return counts


def _pg_restore(url: URL, dump: Path) -> None:
    conninfo, env = _libpq(url)
    command = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--exit-on-error"]
    _run([*command, f"--dbname={conninfo}", str(dump)], env, "pg_restore")


def restore(url: str, source: Path) -> RestoreReport:
    """Replace the store at ``url`` with the backup ``source``, then verify its counts."""
    if not source.is_file():
        raise NotFoundError(f"backup file {source} does not exist")
    manifest = BackupManifest.read(source)
    if _sha256(source) != manifest.sha256:
        raise BackupError(
            f"backup {source} does not match its manifest's SHA-256",
            hint="the file is corrupt or was changed; use another backup",
        )
    parsed = parse_url(url)
    if manifest.kind != parsed.get_backend_name():
        raise UsageError(
            f"backup {source} is a {manifest.kind} backup; the target is "
            f"{parsed.get_backend_name()}",
            hint="restore into a database of the same kind",
        )
    if manifest.kind == "sqlite":
        target = _sqlite_path(parsed)
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source, target)
    else:
        _pg_restore(parsed, source)
    counts = table_counts(parsed)
    expected = manifest.counts
    if {k: counts.get(k) for k in expected} != expected:
        wrong = sorted(k for k in expected if counts.get(k) != expected[k])
        raise BackupError(
            f"restored {render_url(parsed)} differs from backup {source} in {', '.join(wrong)}",
            hint="check that nothing wrote to the target during the restore and retry",
        )
    return RestoreReport(target=render_url(parsed), counts=counts)


def backup_into(
    url: str, folder: Path, *, keep: int, artifacts: tuple[Path, ...] = ()
) -> tuple[Path, BackupManifest, tuple[Path, ...]]:
    """A timestamped backup in ``folder``; only the newest ``keep`` are kept.

    Returns the new file, its manifest and the older backups deleted.
    """
    if keep < 1:
        raise UsageError(f"--keep must be at least 1, got {keep}")
    backend = parse_url(url).get_backend_name()
    suffix = ".db" if backend == "sqlite" else ".dump"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"colloquy-{stamp}{suffix}"
    manifest = backup(url, target, artifacts=artifacts)
    existing = sorted(p for p in folder.glob(f"colloquy-*{suffix}") if manifest_path(p).is_file())
    removed = tuple(existing[:-keep])
    for old in removed:
        old.unlink()
        manifest_path(old).unlink()
    return target, manifest, removed
