"""TF-IDF features: word n-grams plus character n-grams, the strong cheap baseline.

Short customer messages are full of typos, abbreviations and product names that a
sentence encoder may never have seen; character n-grams (inside word boundaries) still
match "recieve" to "receive", while word uni- and bigrams carry the phrasing. Each half is
L2-normalised on its own and the two are stacked side by side, so neither dominates
because it has more n-grams.

This is deliberately *not* an :class:`~colloquy.features.embeddings.base.Embedder`: its
vocabulary and IDF weights are fitted on a corpus, so the same text gets different vectors
after a different fit (the embedding cache, keyed by model id and text, would hand out
wrong vectors), and its output is a sparse matrix with tens of thousands of columns, which
the dense, unit-length contract of the seam would waste memory on. ``model_id`` names the
configuration only, not the fitted vocabulary.

The fitted state is one plain scikit-learn ``FeatureUnion`` of two ``TfidfVectorizer``
(``union_``), with no lambdas or custom classes, so ``skops`` can save and load it without
trusting anything beyond scikit-learn, numpy and scipy types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
from scipy import sparse  # type: ignore[import-untyped, unused-ignore]
from sklearn.feature_extraction.text import (  # type: ignore[import-untyped, unused-ignore]
    TfidfVectorizer,
)
from sklearn.pipeline import FeatureUnion  # type: ignore[import-untyped, unused-ignore]

from colloquy.errors import ConfigError, DataError, UsageError
from colloquy.features.embeddings.base import check_texts

WORD_TOKEN_PATTERN = r"(?u)\b\w+\b"
"""Words of one character count too ("I", "2"), unlike scikit-learn's default."""


class TfidfEmbedder:
    """Fitted word + character TF-IDF features as a sparse CSR matrix."""

    def __init__(
        self,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        sublinear_tf: bool = True,
        min_df: int | float = 1,
        max_features: int | None = None,
    ) -> None:
        for label, (low, high) in (("word_ngrams", word_ngrams), ("char_ngrams", char_ngrams)):
            if not 1 <= low <= high:
                raise ConfigError(
                    f"{label} must be (low, high) with 1 <= low <= high, got {(low, high)}"
                )
        if max_features is not None and max_features < 1:
            raise ConfigError(f"max_features must be at least 1 or None, got {max_features}")
        self.word_ngrams = (int(word_ngrams[0]), int(word_ngrams[1]))
        self.char_ngrams = (int(char_ngrams[0]), int(char_ngrams[1]))
        self.sublinear_tf = bool(sublinear_tf)
        self.min_df = min_df
        self.max_features = max_features
        self.union_: Any = None

    @property
    def model_id(self) -> str:
        """The configuration (not the fitted vocabulary) as a short stable string."""
        (w0, w1), (c0, c1) = self.word_ngrams, self.char_ngrams
        return (
            f"tfidf:word{w0}-{w1}:char_wb{c0}-{c1}:sublinear{int(self.sublinear_tf)}"
            f":min_df{self.min_df}:max{self.max_features or 'all'}"
        )

    @property
    def is_fitted(self) -> bool:
        return self.union_ is not None

    @property
    def dimension(self) -> int:
        """Number of columns of :meth:`transform` (word then character n-grams)."""
        union = self._fitted()
        return sum(len(vectorizer.vocabulary_) for _, vectorizer in union.transformer_list)

    def fit(self, texts: Sequence[str]) -> Self:
        """Learn both vocabularies and IDF weights from ``texts``."""
        items = check_texts(texts)
        union = self._build()
        try:
            union.fit(items)
        except ValueError as exc:  # an empty corpus, or min_df that leaves no n-gram
            raise DataError(
                f"cannot fit TF-IDF on {len(items)} texts: {exc}",
                hint="fit on non-empty texts, or lower min_df",
            ) from None
        self.union_ = union
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """One row per text: word then character TF-IDF, each half of unit length."""
        union = self._fitted()
        return sparse.csr_matrix(union.transform(check_texts(texts)))

    def fit_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.fit(texts).transform(texts)

    def to_sklearn(self) -> FeatureUnion:
        """The fitted scikit-learn ``FeatureUnion`` (for pipelines and ``skops``)."""
        return self._fitted()

    @classmethod
    def from_sklearn(cls, union: FeatureUnion) -> TfidfEmbedder:
        """Wrap a union produced by :meth:`to_sklearn` (after ``skops.io.load``, say)."""
        parts = dict(getattr(union, "transformer_list", []))
        word, char = parts.get("word"), parts.get("char")
        if not isinstance(word, TfidfVectorizer) or not isinstance(char, TfidfVectorizer):
            raise UsageError("expected a FeatureUnion of 'word' and 'char' TfidfVectorizers")
        embedder = cls(
            word_ngrams=tuple(word.ngram_range),
            char_ngrams=tuple(char.ngram_range),
            sublinear_tf=word.sublinear_tf,
            min_df=word.min_df,
            max_features=word.max_features,
        )
        embedder.union_ = union
        return embedder

    def _build(self) -> FeatureUnion:
        common: dict[str, Any] = {
            "sublinear_tf": self.sublinear_tf,
            "min_df": self.min_df,
            "max_features": self.max_features,
            "lowercase": True,
            "norm": "l2",
            "dtype": np.float32,
        }
        word = TfidfVectorizer(
            analyzer="word",
            ngram_range=self.word_ngrams,
            token_pattern=WORD_TOKEN_PATTERN,
            **common,
        )
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=self.char_ngrams, **common)
        return FeatureUnion([("word", word), ("char", char)])

    def _fitted(self) -> Any:
        if self.union_ is None:
            raise UsageError("TfidfEmbedder is not fitted", hint="call fit(texts) first")
        return self.union_

    def __repr__(self) -> str:
        return f"TfidfEmbedder({self.model_id!r}, fitted={self.is_fitted})"


__all__ = ["WORD_TOKEN_PATTERN", "TfidfEmbedder"]
