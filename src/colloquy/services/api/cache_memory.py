"""An in-process LRU response cache, with a time to live, for a single worker."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from colloquy.services.api.cache import ResponseCache


class InProcessLRU(ResponseCache):
    """Up to ``max_entries`` answers, least recently used evicted first.

    A lock guards the dictionary because routes may reach the cache from worker threads
    as well as from the event loop.
    """

    name = "memory"

    def __init__(self, max_entries: int = 4096, ttl_seconds: float = 3600) -> None:
        self.max_entries = max_entries
        self.ttl_seconds = ttl_seconds
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    async def get(self, key: str) -> bytes | None:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires <= now:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    async def put(self, key: str, value: bytes) -> None:
        if self.max_entries == 0:
            return
        with self._lock:
            self._entries[key] = (time.monotonic() + self.ttl_seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
