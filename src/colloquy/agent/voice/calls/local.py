"""Recordings in a folder on the local disk (the default)."""

from __future__ import annotations

from pathlib import Path

from colloquy.agent.voice.calls.base import RecordingStore
from colloquy.errors import NotFoundError, UsageError


class LocalRecordingStore(RecordingStore):
    def __init__(self, folder: Path) -> None:
        self.folder = folder.expanduser()

    def _path(self, key: str) -> Path:
        path = self.folder / key
        if ".." in Path(key).parts or Path(key).is_absolute():
            raise UsageError(f"recording key {key!r} leaves the recordings folder")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(data)
        partial.replace(path)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"no recording {key!r} in {self.folder}") from None

    def location(self, key: str) -> str:
        return str(self._path(key))


__all__ = ["LocalRecordingStore"]
