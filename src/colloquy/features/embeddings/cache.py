"""A persistent embedding cache, so that re-training a classifier never re-embeds its data.

Embedding is the slow step of every experiment (minutes for a dataset on a CPU), while the
vectors of a given text under a given model never change. :class:`EmbeddingCache` keeps
them in one SQLite file keyed by ``(model_id, sha256(text))``: the model id already
changes with the weights, the backend and anything else that changes the vectors, so a hit
is always safe to use, and hashing keeps raw text (possibly personal data) out of the file.

SQLite in WAL mode lets several processes (a notebook, a training run, the API) read while
one writes, and ``busy_timeout`` turns concurrent writes into short waits instead of
errors. Everything stored is a cache: deleting the file loses time, never data.

:class:`CachedEmbedder` puts the cache in front of any :class:`Embedder` and only sends the
misses to the model.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import numpy as np
from numpy.typing import NDArray

from colloquy.errors import StorageError, UsageError
from colloquy.features.embeddings.base import Embedder, check_texts

SCHEMA_VERSION = 1
_CHUNK = 500  # keys per SELECT, well under SQLite's limit on bound parameters
_VECTOR_DTYPE = np.dtype("<f4")  # little-endian float32 on disk, whatever the machine

_SCHEMA = """
CREATE TABLE IF NOT EXISTS embeddings (
    model_id  TEXT    NOT NULL,
    text_hash BLOB    NOT NULL,
    dim       INTEGER NOT NULL,
    vector    BLOB    NOT NULL,
    PRIMARY KEY (model_id, text_hash)
) WITHOUT ROWID
"""


def default_cache_path(home: Path) -> Path:
    """Where the embedding cache lives under colloquy's home directory."""
    return home / "cache" / "embeddings.sqlite"


def text_key(text: str) -> bytes:
    """The cache key of one text: its SHA-256 digest (32 bytes)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class EmbeddingCache:
    """Vectors by ``(model_id, text)`` in one SQLite file; safe across threads and processes."""

    def __init__(self, path: Path | str) -> None:
        self._path = Path(path).expanduser()
        self._lock = threading.Lock()
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(
                self._path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise self._error(f"cannot open the embedding cache: {exc}") from None
        with self._guard("open"):
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
            if version not in (0, SCHEMA_VERSION):
                raise self._error(
                    f"the embedding cache has schema version {version}, "
                    f"this colloquy understands {SCHEMA_VERSION}"
                )
            self._conn.execute(_SCHEMA)
            self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @property
    def path(self) -> Path:
        return self._path

    def get_many(self, model_id: str, texts: Sequence[str]) -> dict[int, NDArray[np.float32]]:
        """The cached vectors among ``texts``: position in ``texts`` → vector (hits only)."""
        items = check_texts(texts)
        positions: dict[bytes, list[int]] = {}
        for i, text in enumerate(items):
            positions.setdefault(text_key(text), []).append(i)
        keys = list(positions)
        found: dict[int, NDArray[np.float32]] = {}
        with self._guard("read"):
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    "SELECT text_hash, dim, vector FROM embeddings "
                    f"WHERE model_id = ? AND text_hash IN ({marks})",
                    (model_id, *chunk),
                ).fetchall()
                for key, dim, blob in rows:
                    if len(blob) != dim * _VECTOR_DTYPE.itemsize:
                        continue  # a damaged row is a miss; the next put_many replaces it
                    for i in positions[bytes(key)]:
                        found[i] = np.frombuffer(blob, dtype=_VECTOR_DTYPE).astype(np.float32)
        return found

    def put_many(self, model_id: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store one vector per text (rows of ``vectors``); existing entries are replaced."""
        items = check_texts(texts)
        array = np.asarray(vectors)
        if array.ndim != 2 or array.shape[0] != len(items):
            raise UsageError(
                f"put_many needs one vector per text: {len(items)} texts, "
                f"vectors of shape {array.shape}"
            )
        dim = int(array.shape[1])
        rows = [
            (model_id, text_key(text), dim, row.astype(_VECTOR_DTYPE).tobytes())
            for text, row in zip(items, array, strict=True)
        ]
        if not rows:
            return
        with self._guard("write"):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO embeddings (model_id, text_hash, dim, vector) "
                    "VALUES (?, ?, ?, ?)",
                    rows,
                )
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def count(self, model_id: str | None = None) -> int:
        """Number of cached vectors, for one model or all of them."""
        with self._guard("read"):
            if model_id is None:
                row = self._conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()
            else:
                row = self._conn.execute(
                    "SELECT COUNT(*) FROM embeddings WHERE model_id = ?", (model_id,)
                ).fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EmbeddingCache({str(self._path)!r})"

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        with self._lock:
            try:
                yield
            except sqlite3.Error as exc:
                raise self._error(f"embedding cache {action} failed: {exc}") from None

    def _error(self, message: str) -> StorageError:
        return StorageError(
            f"{self._path}: {message}",
            hint="the file is only a cache; delete it to start afresh",
        )


class CachedEmbedder(Embedder):
    """An :class:`Embedder` that asks ``cache`` first and embeds only the misses."""

    def __init__(self, embedder: Embedder, cache: EmbeddingCache) -> None:
        self._inner = embedder
        self._cache = cache

    @property
    def inner(self) -> Embedder:
        """The embedder that computes the misses."""
        return self._inner

    @property
    def cache(self) -> EmbeddingCache:
        return self._cache

    @property
    def model_id(self) -> str:
        # Same vectors as the wrapped model, so the same identity (and the same cache rows).
        return self._inner.model_id

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    def _encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        model_id = self._inner.model_id
        width = self._inner.dimension
        out = np.empty((len(texts), width), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        hits = self._cache.get_many(model_id, texts)
        for i, text in enumerate(texts):
            vector = hits.get(i)
            if vector is not None and vector.shape == (width,):
                out[i] = vector
            else:
                missing.setdefault(text, []).append(i)
        if missing:
            todo = list(missing)
            vectors = self._inner.encode(todo, batch_size=batch_size)
            self._cache.put_many(model_id, todo, vectors)
            for text, vector in zip(todo, vectors, strict=True):
                out[missing[text]] = vector
        return out

    def __repr__(self) -> str:
        return f"CachedEmbedder({self._inner!r}, {self._cache!r})"


__all__ = ["CachedEmbedder", "EmbeddingCache", "default_cache_path", "text_key"]
