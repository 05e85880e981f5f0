"""Where a call's recording goes: the seam between the voice server and a storage backend.

A recording is a few named objects per call (both legs as WAV, the transcript as JSON).
The server writes them through this interface only, so a local folder and an
S3-compatible bucket are interchangeable by configuration.
"""

from __future__ import annotations

from abc import ABC, abstractmethod


class RecordingStore(ABC):
    """Keeps objects under keys such as ``<call id>/caller.wav``."""

    @abstractmethod
    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key``, replacing what was there."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The object under ``key`` (NotFoundError when there is none)."""

    @abstractmethod
    def location(self, key: str) -> str:
        """Where ``key`` lives, as a person or another tool would address it (a path, a URL)."""


__all__ = ["RecordingStore"]
