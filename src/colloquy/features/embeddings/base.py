"""The embedder seam: every dense text encoder looks the same to the rest of colloquy.

Classifiers, the cache and the benchmarks only need three things from an encoder: a stable
identity (``model_id``, the cache key, so it must change whenever the vectors would), the
vector width, and ``encode``. Subclasses implement the model-specific ``_encode``; the
shared ``encode`` owns everything that must not differ between backends: input checks,
length-sorted batching, progress reporting, the float32 dtype and unit-length rows, so that
cosine similarity is a plain dot product everywhere.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from colloquy.errors import ColloquyError, UsageError
from colloquy.progress import ProgressCallback, emit


class Embedder(ABC):
    """Turns texts into float32, L2-normalised vectors of a fixed width."""

    @property
    @abstractmethod
    def model_id(self) -> str:
        """Stable identity of the vectors this embedder produces (the cache key)."""

    @property
    @abstractmethod
    def dimension(self) -> int:
        """Width of every vector."""

    @abstractmethod
    def _encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        """Vectors for ``texts`` in order, shape ``(len(texts), dimension)``."""

    def __deepcopy__(self, memo: dict[int, object]) -> Embedder:
        # A loaded encoder is a read-only resource: copies of a model that uses one (for
        # ``sklearn.base.clone``, say) share it instead of copying a network or a session.
        return self

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: ProgressCallback | None = None,
    ) -> NDArray[np.float32]:
        """Embed ``texts``: float32 rows of unit length, in input order, shape ``(n, d)``.

        Texts are grouped into batches of similar length (less padding), and ``progress``
        is called after each batch. An empty sequence gives shape ``(0, d)``.
        """
        items = check_texts(texts)
        if batch_size < 1:
            raise UsageError(f"batch_size must be at least 1, got {batch_size}")
        total = len(items)
        width = self.dimension
        out = np.empty((total, width), dtype=np.float32)
        if total == 0:
            return out
        # Longest first: the memory peak shows up in the first batch, not the last one.
        order = sorted(range(total), key=lambda i: len(items[i]), reverse=True)
        done = 0
        for start in range(0, total, batch_size):
            index = order[start : start + batch_size]
            vectors = np.asarray(self._encode([items[i] for i in index], batch_size))
            if vectors.shape != (len(index), width):
                raise ColloquyError(
                    f"embedder {self.model_id} returned shape {vectors.shape} for "
                    f"{len(index)} texts, expected ({len(index)}, {width})"
                )
            out[index] = vectors
            done += len(index)
            emit(progress, "embedding", done, total, unit="texts")
        return l2_normalise(out)


def check_texts(texts: Sequence[str]) -> list[str]:
    """``texts`` as a list, or a :class:`UsageError` naming the first item that is not text."""
    if isinstance(texts, str | bytes):
        raise UsageError(
            "expected a sequence of texts, got a single string",
            hint="wrap it in a list: encode([text])",
        )
    items = list(texts)
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise UsageError(
                f"text #{i} is {type(text).__name__}, not str",
                hint="convert missing values to '' before embedding",
            )
    return items


def l2_normalise(vectors: np.ndarray) -> NDArray[np.float32]:
    """A float32 copy of ``vectors`` with rows scaled to unit length (zero rows stay zero)."""
    out = np.array(vectors, dtype=np.float32, copy=True)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


__all__ = ["Embedder", "check_texts", "l2_normalise"]
