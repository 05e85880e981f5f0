"""A real embedder that records how often it is asked to encode, for tests about caching.

Not a fake: every call goes to the wrapped encoder (the real MiniLM in the tests).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from colloquy.features.embeddings import Embedder
from colloquy.progress import ProgressCallback


class CountingEmbedder(Embedder):
    """Wraps ``inner``; ``calls`` holds the number of texts of each ``encode`` call."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.calls: list[int] = []

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def encoded(self) -> int:
        """Texts encoded so far, over all calls."""
        return sum(self.calls)

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: ProgressCallback | None = None,
    ) -> NDArray[np.float32]:
        self.calls.append(len(texts))
        return super().encode(texts, batch_size=batch_size, progress=progress)

    def _encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        return self.inner.encode(texts, batch_size=batch_size)
