"""Content-addressed versions of stored datasets and of files.

A stored dataset's version is the SHA-256 over its conversations' content hashes (the
ones storage already keeps for de-duplication) in sorted order: re-ingesting the same data
adds nothing and keeps the version, the order of insertion does not matter, and a changed
text, label or metadata value anywhere gives a new version. The hashes are sorted here,
not by the database, so SQLite and PostgreSQL (whose collations differ) agree.

A file's version is the SHA-256 of its bytes; a folder's, the SHA-256 over its files'
relative paths and digests in sorted order, so a version names exactly the bytes a run read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from colloquy.data.versions.records import SHORT_LENGTH, DataVersion
from colloquy.errors import NotFoundError, UsageError

if TYPE_CHECKING:
    from colloquy.schema import Conversation
    from colloquy.storage import Store

_CHUNK = 1 << 20


def digest_hashes(content_hashes: Iterable[str]) -> str:
    """The SHA-256 over ``content_hashes`` in sorted order, one per line."""
    digest = hashlib.sha256()
    for content_hash in sorted(content_hashes):
        digest.update(content_hash.encode("ascii"))
        digest.update(b"\n")
    return digest.hexdigest()


def dataset_version(store: Store, name: str) -> DataVersion:
    """The content-addressed version of the stored dataset ``name``."""
    from sqlalchemy import select

    from colloquy.storage.datasets import get_dataset
    from colloquy.storage.tables import conversations

    with store.transaction() as conn:
        info = get_dataset(conn, name=name)
        rows = conn.execution_options(yield_per=5000).execute(
            select(conversations.c.content_hash).where(conversations.c.dataset_id == info.id)
        )
        sha256 = digest_hashes(row.content_hash for row in rows)
    return DataVersion(
        kind="dataset",
        name=name,
        version=sha256[:SHORT_LENGTH],
        sha256=sha256,
        created=datetime.now(UTC),
        conversations=info.conversations,
        turns=info.turns,
    )


def conversations_version(conversations: Iterable[Conversation], *, name: str) -> DataVersion:
    """The version :func:`dataset_version` gives a dataset holding exactly ``conversations``.

    Duplicates count once, as the store de-duplicates them on ingest.
    """
    hashes: dict[str, int] = {}
    for conversation in conversations:
        hashes.setdefault(conversation.content_hash, len(conversation.turns))
    sha256 = digest_hashes(hashes)
    return DataVersion(
        kind="dataset",
        name=name,
        version=sha256[:SHORT_LENGTH],
        sha256=sha256,
        created=datetime.now(UTC),
        conversations=len(hashes),
        turns=sum(hashes.values()),
    )


def file_version(path: Path | str) -> DataVersion:
    """The version of a data file (CSV, JSONL, Parquet, …) or of a folder of them."""
    target = Path(path).expanduser()
    if target.is_symlink() and not target.exists():
        raise NotFoundError(f"{target} is a broken symbolic link", hint="point it at the data")
    if target.is_file():
        sha256, size = _file_digest(target)
        files = 1
    elif target.is_dir():
        sha256, files, size = _folder_digest(target)
    elif target.exists():
        raise UsageError(f"{target} is neither a file nor a folder", hint="give a data file")
    else:
        raise NotFoundError(f"no file or folder {target}", hint="check the path")
    return DataVersion(
        kind="file",
        name=str(target),
        version=sha256[:SHORT_LENGTH],
        sha256=sha256,
        created=datetime.now(UTC),
        files=files,
        bytes=size,
    )


def _file_digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _folder_digest(folder: Path) -> tuple[str, int, int]:
    """Digest over ``relative path, file digest`` lines; hidden entries (``.git``, a
    ``.dvc`` cache, editor files) are not data and are left out."""
    digest = hashlib.sha256()
    files = size = 0
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        file_sha, file_size = _file_digest(path)
        digest.update(f"{relative.as_posix()}\t{file_sha}\n".encode())
        files += 1
        size += file_size
    return digest.hexdigest(), files, size
