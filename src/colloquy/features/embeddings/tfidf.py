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
(``union_``). A model directory does not store it: :meth:`TfidfEmbedder.export` turns it
into a :class:`TfidfTransform`, the vocabularies (JSON) and IDF weights (an array) with the
few settings inference needs, and that object computes the same features with numpy alone,
so a served model needs neither scikit-learn nor SciPy (importing scikit-learn costs more
than a one-shot prediction may take). Its output, :class:`SparseRows`, is a minimal CSR
matrix that multiplies with a dense weight matrix, all a linear head asks of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

import numpy as np
from numpy.typing import NDArray

from colloquy.errors import ConfigError, DataError, UsageError
from colloquy.features.embeddings.base import check_texts

if TYPE_CHECKING:
    from scipy import sparse  # type: ignore[import-untyped, unused-ignore]
    from sklearn.pipeline import FeatureUnion  # type: ignore[import-untyped, unused-ignore]

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
        from scipy import sparse

        union = self._fitted()
        return sparse.csr_matrix(union.transform(check_texts(texts)))

    def fit_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.fit(texts).transform(texts)

    def to_sklearn(self) -> FeatureUnion:
        """The fitted scikit-learn ``FeatureUnion`` (for pipelines and ``skops``)."""
        return self._fitted()

    def export(self) -> TfidfTransform:
        """The fitted features as plain data, for a model directory and for serving."""
        parts = dict(self._fitted().transformer_list)
        halves = []
        for name in ("word", "char"):
            vectorizer = parts[name]
            terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
            halves.append((terms, np.asarray(vectorizer.idf_, dtype=np.float32)))
        return TfidfTransform(
            word_ngrams=self.word_ngrams,
            char_ngrams=self.char_ngrams,
            sublinear_tf=self.sublinear_tf,
            word_terms=halves[0][0],
            word_idf=halves[0][1],
            char_terms=halves[1][0],
            char_idf=halves[1][1],
        )

    @classmethod
    def from_sklearn(cls, union: FeatureUnion) -> TfidfEmbedder:
        """Wrap a union produced by :meth:`to_sklearn` (after ``skops.io.load``, say)."""
        from sklearn.feature_extraction.text import TfidfVectorizer

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
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion

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


@dataclass(frozen=True, slots=True)
class SparseRows:
    """Rows of a sparse matrix in CSR layout: row ``i`` holds ``data[indptr[i]:indptr[i+1]]``
    in the columns ``indices[indptr[i]:indptr[i+1]]``."""

    indptr: NDArray[np.int64]
    indices: NDArray[np.int64]
    data: NDArray[np.float32]
    n_columns: int

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.indptr) - 1, self.n_columns)

    def __matmul__(self, weights: np.ndarray) -> np.ndarray:
        """``self @ weights`` for a dense ``(n_columns, k)`` matrix, a few hundred rows at a
        time so that the gathered weights stay small."""
        if weights.ndim != 2 or weights.shape[0] != self.n_columns:
            raise UsageError(f"cannot multiply {self.shape} rows by weights {weights.shape}")
        n = self.shape[0]
        out = np.zeros((n, weights.shape[1]), dtype=np.result_type(self.data, weights))
        for first in range(0, n, _ROWS_PER_STEP):
            last = min(first + _ROWS_PER_STEP, n)
            lo, hi = int(self.indptr[first]), int(self.indptr[last])
            if hi == lo:
                continue
            products = weights[self.indices[lo:hi]] * self.data[lo:hi, None]
            starts = self.indptr[first:last] - lo
            filled = np.diff(self.indptr[first : last + 1]) > 0
            out[first:last][filled] = np.add.reduceat(products, starts[filled], axis=0)
        return out

    def toarray(self) -> NDArray[np.float32]:
        dense = np.zeros(self.shape, dtype=np.float32)
        rows = np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))
        dense[rows, self.indices] = self.data
        return dense


_ROWS_PER_STEP = 256
_WHITE_SPACES = re.compile(r"\s\s+")


class TfidfTransform:
    """Fitted word + character TF-IDF as plain data: :class:`TfidfEmbedder`'s features,
    computed with numpy alone.

    It replays scikit-learn's ``TfidfVectorizer`` step by step (lower-casing, the word
    tokenizer and its n-grams, ``char_wb`` n-grams padded at word edges, term counts,
    ``1 + log(tf)``, IDF, L2 per half), so features equal the fitted union's to float32
    rounding; the tests hold the two side by side.
    """

    def __init__(
        self,
        *,
        word_ngrams: tuple[int, int],
        char_ngrams: tuple[int, int],
        sublinear_tf: bool,
        word_terms: Sequence[str],
        word_idf: NDArray[np.float32],
        char_terms: Sequence[str],
        char_idf: NDArray[np.float32],
    ) -> None:
        if len(word_terms) != len(word_idf) or len(char_terms) != len(char_idf):
            raise UsageError("TfidfTransform needs one IDF weight per term")
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.sublinear_tf = sublinear_tf
        self.word_terms = list(word_terms)
        self.char_terms = list(char_terms)
        self.word_idf = np.asarray(word_idf, dtype=np.float32)
        self.char_idf = np.asarray(char_idf, dtype=np.float32)
        self._word_index = {term: i for i, term in enumerate(self.word_terms)}
        self._char_index = {term: i for i, term in enumerate(self.char_terms)}
        self._token = re.compile(WORD_TOKEN_PATTERN)

    @property
    def dimension(self) -> int:
        return len(self.word_terms) + len(self.char_terms)

    def settings(self) -> dict[str, Any]:
        """Everything but the arrays, as JSON-ready data (see :meth:`from_parts`)."""
        return {
            "word_ngrams": list(self.word_ngrams),
            "char_ngrams": list(self.char_ngrams),
            "sublinear_tf": self.sublinear_tf,
            "token_pattern": WORD_TOKEN_PATTERN,
            "word_terms": self.word_terms,
            "char_terms": self.char_terms,
        }

    def arrays(self) -> dict[str, NDArray[np.float32]]:
        return {"word_idf": self.word_idf, "char_idf": self.char_idf}

    @classmethod
    def from_parts(
        cls, settings: Mapping[str, Any], arrays: Mapping[str, np.ndarray]
    ) -> TfidfTransform:
        """Rebuild from :meth:`settings` and :meth:`arrays`; a :class:`DataError` names
        the first field that does not fit."""
        try:
            word = tuple(int(n) for n in settings["word_ngrams"])
            char = tuple(int(n) for n in settings["char_ngrams"])
            terms = {key: list(settings[key]) for key in ("word_terms", "char_terms")}
            sublinear = settings["sublinear_tf"]
            pattern = settings["token_pattern"]
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"TF-IDF settings are incomplete or malformed ({exc})") from None
        if (
            len(word) != 2
            or len(char) != 2
            or not isinstance(sublinear, bool)
            or pattern != WORD_TOKEN_PATTERN
            or not all(isinstance(t, str) for half in terms.values() for t in half)
        ):
            raise DataError("TF-IDF settings hold values of the wrong kind")
        for half in ("word", "char"):
            idf = arrays.get(f"{half}_idf")
            if idf is None or idf.shape != (len(terms[f"{half}_terms"]),):
                raise DataError(f"TF-IDF {half}_idf does not have one weight per {half} term")
        return cls(
            word_ngrams=(word[0], word[1]),
            char_ngrams=(char[0], char[1]),
            sublinear_tf=sublinear,
            word_terms=terms["word_terms"],
            word_idf=arrays["word_idf"],
            char_terms=terms["char_terms"],
            char_idf=arrays["char_idf"],
        )

    def transform(self, texts: Sequence[str]) -> SparseRows:
        """One row per text: word then character TF-IDF, each half of unit length."""
        items = check_texts(texts)
        offset = len(self.word_terms)
        indptr = np.zeros(len(items) + 1, dtype=np.int64)
        indices: list[np.ndarray] = []
        data: list[np.ndarray] = []
        for row, text in enumerate(items):
            lowered = text.lower()
            word_cols, word_vals = self._half(
                self._words(lowered), self._word_index, self.word_idf, 0
            )
            char_cols, char_vals = self._half(
                self._chars(lowered), self._char_index, self.char_idf, offset
            )
            indices += [word_cols, char_cols]
            data += [word_vals, char_vals]
            indptr[row + 1] = indptr[row] + len(word_cols) + len(char_cols)
        return SparseRows(
            indptr=indptr,
            indices=np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64),
            data=np.concatenate(data) if data else np.zeros(0, dtype=np.float32),
            n_columns=self.dimension,
        )

    def _half(
        self,
        terms: list[str],
        index: Mapping[str, int],
        idf: NDArray[np.float32],
        offset: int,
    ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        counts: dict[int, int] = {}
        for term in terms:
            column = index.get(term)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
        values = np.fromiter((counts[c] for c in columns), dtype=np.float32, count=len(counts))
        if self.sublinear_tf:
            values = np.log(values) + np.float32(1.0)
        values = values * idf[columns]
        norm = np.sqrt(np.sum(values * values, dtype=np.float32))
        if norm > 0:
            values = values / norm
        return columns + offset, values.astype(np.float32)

    def _words(self, text: str) -> list[str]:
        tokens = self._token.findall(text)
        return _word_ngrams(tokens, self.word_ngrams)

    def _chars(self, text: str) -> list[str]:
        return _char_wb_ngrams(text, self.char_ngrams)


def _word_ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    low, high = ngram_range
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return grams


def _char_wb_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    low, high = ngram_range
    grams: list[str] = []
    append: Callable[[str], None] = grams.append
    for word in _WHITE_SPACES.sub(" ", text).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            offset = 0
            append(padded[offset : offset + n])
            while offset + n < length:
                offset += 1
                append(padded[offset : offset + n])
            if offset == 0:  # a word shorter than n counts once, as scikit-learn counts it
                break
    return grams


__all__ = ["WORD_TOKEN_PATTERN", "SparseRows", "TfidfEmbedder", "TfidfTransform"]
