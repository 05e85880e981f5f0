"""Text embeddings: dense sentence vectors behind one seam, a persistent cache, and TF-IDF.

Everything that needs vectors asks for an :class:`Embedder` (usually via
:func:`get_embedder`) and never for a concrete model, so backends (PyTorch, ONNX fp32,
ONNX int8) and the cache can be swapped without touching the callers. TF-IDF sits beside
them rather than behind the seam because it must be fitted and is sparse.
"""

from __future__ import annotations

from colloquy.features.embeddings.base import Embedder
from colloquy.features.embeddings.cache import CachedEmbedder, EmbeddingCache, default_cache_path
from colloquy.features.embeddings.sentence import (
    DEFAULT_MODEL,
    Backend,
    SentenceEmbedder,
    resolve_model_path,
)
from colloquy.features.embeddings.tfidf import TfidfEmbedder


def get_embedder(
    model: str = DEFAULT_MODEL,
    backend: Backend = "torch",
    cache: EmbeddingCache | None = None,
    device: str = "cpu",
) -> Embedder:
    """A loaded :class:`SentenceEmbedder` on ``device``, behind ``cache`` when one is given."""
    embedder: Embedder = SentenceEmbedder(model, backend=backend, device=device)
    return CachedEmbedder(embedder, cache) if cache is not None else embedder


__all__ = [
    "DEFAULT_MODEL",
    "Backend",
    "CachedEmbedder",
    "Embedder",
    "EmbeddingCache",
    "SentenceEmbedder",
    "TfidfEmbedder",
    "default_cache_path",
    "get_embedder",
    "resolve_model_path",
]
