"""Uploaded files: copied in chunks under the data directory, bounded, never executed.

Every upload gets its own folder ``<data dir>/uploads/<upload id>/`` and keeps only a
sanitised base name of what the client called it, so no name (``../../etc/passwd``,
``C:\\x``, a NUL) can place a byte outside that folder; the final path is checked to lie
inside the uploads root after symlinks are resolved. Files are created exclusively with
mode 0600 (not executable) and nothing in them is ever run: they are only read by
colloquy's loaders. A zip (accepted for transcript folders) is unpacked member by member
into one flat folder with the same rules, refusing absolute names, ``..`` parts, links, more than
``max_files`` members or more than ``max_bytes`` uncompressed (zip-slip and zip bombs).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from colloquy.errors import UsageError

CHUNK_BYTES = 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UploadTooLargeError(UsageError):
    """An upload (or what a zip unpacks to) is larger than the configured limit."""


class UnsafeArchiveError(UsageError):
    """A zip member would land outside its folder, is a link, or the zip is a bomb."""


@dataclass(frozen=True, slots=True)
class UploadLimits:
    max_bytes: int = 100 * 1024 * 1024
    max_files: int = 10_000


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    """A stored upload: its id, where it lies, its size and content hash."""

    id: str
    filename: str
    path: Path
    bytes: int
    sha256: str
    received_at: datetime


def safe_filename(name: str | None, *, default: str = "upload") -> str:
    """A base name made of ``[A-Za-z0-9._-]`` only, never starting with a dot."""
    text = unicodedata.normalize("NFKC", name or "").replace("\\", "/").split("/")[-1]
    cleaned = _UNSAFE.sub("_", text).lstrip(".")[:120].strip("_")
    return cleaned or default


class UploadArea:
    """The ``uploads`` folder of the API's data directory."""

    def __init__(self, data_dir: Path, limits: UploadLimits | None = None) -> None:
        self.root = (data_dir / "uploads").resolve()
        self.limits = limits or UploadLimits()

    def _inside(self, path: Path) -> Path:
        resolved = path.resolve()
        if not resolved.is_relative_to(self.root):
            raise UsageError(f"refusing to write {path.name!r} outside the upload folder")
        return resolved

    def receive(self, stream: BinaryIO, filename: str | None) -> ReceivedFile:
        """Copy ``stream`` to a new file in chunks; over the limit, delete it and raise."""
        upload_id = uuid.uuid4().hex
        folder = self._inside(self.root / upload_id)
        folder.mkdir(parents=True, exist_ok=False)
        name = safe_filename(filename)
        target = self._inside(folder / name)
        digest = hashlib.sha256()
        size = 0
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as out:
                while chunk := stream.read(CHUNK_BYTES):
                    size += len(chunk)
                    if size > self.limits.max_bytes:
                        raise UploadTooLargeError(
                            f"upload {name!r} is larger than {self.limits.max_bytes} bytes",
                            hint="split the file, or raise the API's upload limit",
                        )
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            self.discard(folder)
            raise
        return ReceivedFile(upload_id, name, target, size, digest.hexdigest(), datetime.now(UTC))

    def discard(self, folder: Path) -> None:
        """Remove an upload's folder (only ever one inside the uploads root)."""
        folder = self._inside(folder)
        if folder == self.root or not folder.exists():
            return
        for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink()
        folder.rmdir()

    def unpack_zip(self, received: ReceivedFile) -> Path:
        """Unpack a received zip next to it into one flat ``files/`` folder (a member's
        folders become part of its name, ``day2/b.txt`` -> ``day2_b.txt``, since loaders
        read a folder's top level); that folder's path."""
        target = self._inside(received.path.parent / "files")
        try:
            archive = zipfile.ZipFile(received.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise UsageError(f"{received.filename!r} is not a readable zip file: {exc}") from None
        with archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            self._check_members(received.filename, members)
            target.mkdir()
            written = 0
            for member in members:
                flat = "_".join(PurePosixPath(member.filename.replace("\\", "/")).parts)
                destination = self._inside(target / safe_filename(flat))
                try:
                    descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                except FileExistsError:
                    raise UnsafeArchiveError(
                        f"{received.filename!r}: member {member.filename!r} names the same "
                        "file as another member",
                        hint="give every file in the zip its own name",
                    ) from None
                with archive.open(member) as source, os.fdopen(descriptor, "wb") as out:
                    while chunk := source.read(CHUNK_BYTES):
                        written += len(chunk)
                        if written > self.limits.max_bytes:
                            raise UnsafeArchiveError(
                                f"{received.filename!r} unpacks to more than "
                                f"{self.limits.max_bytes} bytes",
                                hint="send a smaller archive",
                            )
                        out.write(chunk)
        return target

    def _check_members(self, name: str, members: list[zipfile.ZipInfo]) -> None:
        if len(members) > self.limits.max_files:
            raise UnsafeArchiveError(
                f"{name!r} holds {len(members)} files, more than {self.limits.max_files}"
            )
        declared = 0
        for member in members:
            path = PurePosixPath(member.filename.replace("\\", "/"))
            if path.is_absolute() or ".." in path.parts or ":" in member.filename:
                raise UnsafeArchiveError(
                    f"{name!r}: member {member.filename!r} would be written outside its folder",
                    hint="zip the files with relative names only",
                )
            if stat.S_ISLNK(member.external_attr >> 16):
                raise UnsafeArchiveError(
                    f"{name!r}: member {member.filename!r} is a symbolic link",
                    hint="zip the files themselves, not links to them",
                )
            declared += member.file_size
        if declared > self.limits.max_bytes:
            raise UnsafeArchiveError(
                f"{name!r} unpacks to {declared} bytes, more than {self.limits.max_bytes}",
                hint="send a smaller archive",
            )
