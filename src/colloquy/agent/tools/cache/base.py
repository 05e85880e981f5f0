"""The tool-result cache seam: bytes under a key, for a time-to-live."""

from __future__ import annotations

from abc import ABC, abstractmethod


class ToolCache(ABC):
    """Where tool results are kept; keys are opaque strings that start with the tool name."""

    @abstractmethod
    def get(self, key: str) -> bytes | None:
        """The value stored under ``key``, or None when absent or expired."""

    @abstractmethod
    def set(self, key: str, value: bytes, ttl_s: float) -> None:
        """Store ``value`` for ``ttl_s`` seconds."""

    @abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Drop every key starting with ``prefix`` (a tool's results); returns how many."""
