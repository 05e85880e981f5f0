"""EmbeddingCache (SQLite, WAL) and CachedEmbedder, which embeds only what is missing."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from colloquy.errors import StorageError, UsageError
from colloquy.features.embeddings import (
    CachedEmbedder,
    Embedder,
    EmbeddingCache,
    SentenceEmbedder,
    default_cache_path,
)


class CountingEmbedder(Embedder):
    """Deterministic 4-d vectors from a hash of the text; remembers what it embedded."""

    def __init__(self, model_id: str = "fake:v1") -> None:
        self._model_id = model_id
        self.embedded: list[str] = []

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return 4

    def _encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        self.embedded.extend(texts)
        rows = []
        for text in texts:
            digest = hashlib.sha256(f"{self._model_id}|{text}".encode()).digest()
            rows.append(np.frombuffer(digest[:16], dtype=np.uint32).astype(np.float32) + 1)
        return np.vstack(rows)


@pytest.fixture
def cache(tmp_path: Path) -> EmbeddingCache:
    return EmbeddingCache(tmp_path / "cache" / "embeddings.sqlite")


def test_vectors_round_trip_exactly(cache: EmbeddingCache) -> None:
    vectors = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)

    cache.put_many("m", ["a", "b", "c"], vectors)
    found = cache.get_many("m", ["c", "x", "a"])

    assert sorted(found) == [0, 2]
    np.testing.assert_array_equal(found[0], vectors[2])
    np.testing.assert_array_equal(found[2], vectors[0])
    assert found[0].dtype == np.float32


def test_entries_are_separated_by_model_id(cache: EmbeddingCache) -> None:
    cache.put_many("model-a", ["hello"], np.ones((1, 3), dtype=np.float32))

    assert cache.get_many("model-b", ["hello"]) == {}
    assert cache.count("model-a") == 1
    assert cache.count() == 1


def test_repeated_texts_in_one_request_all_hit(cache: EmbeddingCache) -> None:
    cache.put_many("m", ["same"], np.full((1, 2), 7, dtype=np.float32))

    found = cache.get_many("m", ["same", "other", "same"])

    assert sorted(found) == [0, 2]


def test_putting_again_replaces_and_does_not_duplicate(cache: EmbeddingCache) -> None:
    cache.put_many("m", ["t"], np.zeros((1, 2), dtype=np.float32))
    cache.put_many("m", ["t"], np.ones((1, 2), dtype=np.float32))

    assert cache.count("m") == 1
    np.testing.assert_array_equal(cache.get_many("m", ["t"])[0], [1, 1])


def test_the_cache_persists_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "e.sqlite"
    with EmbeddingCache(path) as first:
        first.put_many("m", ["kept"], np.ones((1, 2), dtype=np.float32))

    with EmbeddingCache(path) as second:
        assert sorted(second.get_many("m", ["kept"])) == [0]


def test_the_file_uses_wal_and_holds_no_raw_text(cache: EmbeddingCache) -> None:
    cache.put_many("m", ["my card number is secret"], np.ones((1, 2), dtype=np.float32))

    with sqlite3.connect(cache.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    stored = b"".join(p.read_bytes() for p in cache.path.parent.iterdir() if p.is_file())
    assert b"my card number is secret" not in stored


def test_large_requests_span_several_queries(cache: EmbeddingCache) -> None:
    texts = [f"text {i}" for i in range(1234)]
    vectors = np.arange(1234 * 2, dtype=np.float32).reshape(1234, 2)

    cache.put_many("m", texts, vectors)
    found = cache.get_many("m", texts)

    assert len(found) == 1234
    np.testing.assert_array_equal(found[1000], vectors[1000])


def test_two_connections_and_threads_can_share_the_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    caches = [EmbeddingCache(path), EmbeddingCache(path)]

    def write(worker: int) -> None:
        for start in range(0, 200, 20):
            texts = [f"w{worker}-{i}" for i in range(start, start + 20)]
            caches[worker % 2].put_many("m", texts, np.ones((20, 3), dtype=np.float32))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert caches[0].count("m") == 800
    assert caches[1].count("m") == 800


def test_a_mismatched_put_is_a_usage_error(cache: EmbeddingCache) -> None:
    with pytest.raises(UsageError, match="one vector per text"):
        cache.put_many("m", ["a", "b"], np.ones((3, 2), dtype=np.float32))


def test_a_file_that_is_not_a_database_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not sqlite at all" * 100)

    with pytest.raises(StorageError, match="delete it"):
        EmbeddingCache(path)


def test_default_cache_path_is_under_home(tmp_path: Path) -> None:
    assert default_cache_path(tmp_path) == tmp_path / "cache" / "embeddings.sqlite"


def test_cached_embedder_embeds_only_the_misses(cache: EmbeddingCache) -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, cache)

    first = cached.encode(["a", "b", "c"])
    assert sorted(inner.embedded) == ["a", "b", "c"]
    inner.embedded.clear()

    second = cached.encode(["b", "d", "a", "e", "d"])

    assert sorted(inner.embedded) == ["d", "e"]
    np.testing.assert_array_equal(second[0], first[1])
    np.testing.assert_array_equal(second[2], first[0])
    np.testing.assert_allclose(second, inner.encode(["b", "d", "a", "e", "d"]), atol=1e-6)
    assert cached.model_id == inner.model_id
    assert cached.dimension == 4


def test_cached_vectors_survive_a_new_process(tmp_path: Path) -> None:
    path = tmp_path / "e.sqlite"
    texts = ["refund please", "where is my card"]
    with EmbeddingCache(path) as cache:
        expected = CachedEmbedder(CountingEmbedder(), cache).encode(texts)

    inner = CountingEmbedder()
    with EmbeddingCache(path) as cache:
        again = CachedEmbedder(inner, cache).encode(texts)

    assert inner.embedded == []
    np.testing.assert_array_equal(again, expected)


def test_a_different_model_id_misses(cache: EmbeddingCache) -> None:
    CachedEmbedder(CountingEmbedder("fake:v1"), cache).encode(["x"])
    other = CountingEmbedder("fake:v2")

    CachedEmbedder(other, cache).encode(["x"])

    assert other.embedded == ["x"]


def test_progress_counts_hits_and_misses(cache: EmbeddingCache) -> None:
    cached = CachedEmbedder(CountingEmbedder(), cache)
    cached.encode(["a", "b"])
    calls: list[tuple[int, int | None]] = []

    cached.encode(["a", "b", "c"], batch_size=2, progress=lambda e: calls.append((e.done, e.total)))

    assert calls == [(2, 3), (3, 3)]


def test_cached_real_model_matches_the_model(
    cache: EmbeddingCache, torch_embedder: SentenceEmbedder
) -> None:
    texts = ["I want to close my account", "top up by bank transfer"]
    cached = CachedEmbedder(torch_embedder, cache)

    cold = cached.encode(texts)
    warm = cached.encode(texts)

    np.testing.assert_allclose(cold, torch_embedder.encode(texts), atol=1e-6)
    np.testing.assert_array_equal(warm, cold)
    assert cache.count(torch_embedder.model_id) == 2
