"""The activation cache seam: text payloads by key, in levels, fastest first.

Activation is a pure function of the message and the journey catalogue, so its result can be
cached anywhere: in process (L1, an LRU), in Redis shared by every worker (L2), and in the
store (L3) so a restarted process starts warm. :class:`LayeredCache` asks each level in
turn and copies a hit into the faster levels above it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass


class ActivationCache(ABC):
    """One cache level: opaque text payloads by key."""

    name: str = "cache"

    @abstractmethod
    def get(self, key: str) -> str | None:
        """The payload stored under ``key``, or None."""

    @abstractmethod
    def put(self, key: str, payload: str) -> None:
        """Store ``payload`` under ``key`` (replacing an older one)."""


@dataclass(frozen=True, slots=True)
class CacheHit:
    payload: str
    level: str


@dataclass
class CacheStats:
    """Lookups and hits per level, for the hit rates the benchmark reports."""

    lookups: int = 0
    misses: int = 0

    @property
    def hit_rate(self) -> float:
        return 0.0 if self.lookups == 0 else (self.lookups - self.misses) / self.lookups


class LayeredCache:
    """Several levels; a hit in a slower level is copied into the faster ones."""

    def __init__(self, levels: Sequence[ActivationCache]) -> None:
        self.levels = tuple(levels)
        self.stats = CacheStats()
        self.hits_by_level: dict[str, int] = {level.name: 0 for level in self.levels}

    def get(self, key: str) -> CacheHit | None:
        self.stats.lookups += 1
        for index, level in enumerate(self.levels):
            payload = level.get(key)
            if payload is not None:
                for faster in self.levels[:index]:
                    faster.put(key, payload)
                self.hits_by_level[level.name] += 1
                return CacheHit(payload, level.name)
        self.stats.misses += 1
        return None

    def put(self, key: str, payload: str) -> None:
        for level in self.levels:
            level.put(key, payload)
