"""Embedding a dataset through a backend gives the encoder's own vectors, in order."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from colloquy.execution import ExecutionSettings, LocalBackend
from colloquy.execution.embedding import embed_texts
from colloquy.features.embeddings import SentenceEmbedder


def test_embed_texts_matches_the_encoder_across_partitions(
    minilm_dir: Path, torch_embedder: SentenceEmbedder, tmp_path: Path
) -> None:
    texts = ["my card has not arrived", "what is the exchange rate", "pin blocked", "hi"] * 3
    backend = LocalBackend(ExecutionSettings(partition_rows=5))
    matrix = embed_texts(texts, backend, model=str(minilm_dir), device="cpu", workdir=tmp_path)
    assert matrix.shape == (len(texts), torch_embedder.dimension)
    np.testing.assert_allclose(matrix, torch_embedder.encode(texts), atol=1e-5)
    assert list(tmp_path.iterdir()) == []
