"""Fewer garbage-collector passes while a bulk job allocates millions of short-lived objects.

CPython runs a young-generation collection every 700 net container allocations, and
every few of those walks older generations too, including every object the imported
libraries hold. An ingest allocates (and frees by reference counting) several dicts,
lists and records per turn, almost none of them in reference cycles, so those passes
find nothing to collect yet cost about a quarter of the job's time (measured with
``python -m benchmarks.ingest``). Inside :func:`fewer_gc_passes` the young generation
is collected every ``YOUNG_THRESHOLD`` allocations instead; cyclic garbage is still
collected, only later, and the process's thresholds are restored when the last job in
it leaves.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 50_000
_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_gc_passes(young_threshold: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """Raise the young-generation threshold for the duration of the block.

    Safe to nest and to enter from several threads at once: the first to enter saves the
    process's thresholds and the last to leave restores them.
    """
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            young, middle, old = _saved
            gc.set_threshold(max(young, young_threshold), middle, old)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
