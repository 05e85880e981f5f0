"""The customer repeating or rephrasing: consecutive customer turns that mean the same.

A customer who says the same thing twice in a row was not understood the first time.
Meaning is compared with any :class:`~colloquy.features.embeddings.base.Embedder` (unit
vectors, so cosine similarity is a dot product); very short turns ("yes", "ok") are skipped
because they repeat without anything going wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from colloquy.analytics.failures.base import TextFailureDetector
from colloquy.analytics.failures.records import FailurePoint, FailureType, TextTurn
from colloquy.errors import UsageError
from colloquy.features.embeddings.base import Embedder

DEFAULT_SIMILARITY = 0.85
DEFAULT_MIN_WORDS = 3


class RepetitionDetector(TextFailureDetector):
    """Flags a customer turn that is a near-paraphrase of the customer's previous turn."""

    failure_type = FailureType.REPETITION
    name = "repetition-embedding"

    def __init__(
        self,
        embedder: Embedder,
        similarity: float = DEFAULT_SIMILARITY,
        min_words: int = DEFAULT_MIN_WORDS,
    ) -> None:
        if not 0.0 < similarity <= 1.0:
            raise UsageError(f"similarity must be within (0, 1], got {similarity}")
        self.embedder = embedder
        self.similarity = similarity
        self.min_words = min_words

    def detect_text(self, turns: Sequence[TextTurn]) -> tuple[FailurePoint, ...]:
        customer = [
            turn for turn in turns if turn.is_customer and len(turn.text.split()) >= self.min_words
        ]
        if len(customer) < 2:
            return ()
        vectors = self.embedder.encode([turn.text for turn in customer])
        similarities = np.einsum("ij,ij->i", vectors[1:], vectors[:-1])
        return tuple(
            self.point(turn, float(score))
            for turn, score in zip(customer[1:], similarities, strict=True)
            if score >= self.similarity
        )
