"""Turning declared columns into the numbers a trainer fits: one scikit-learn
``ColumnTransformer`` for numeric, categorical and TF-IDF text columns, and a sentence
embedder for text columns declared with ``vectoriser: embedding``.

The transformer learns (medians, categories, vocabularies) from the training rows only and
is saved with the model as a skops file of standard scikit-learn types; an embedder learns
nothing and is saved as its name and the identity of its vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from colloquy.features.embeddings import Embedder
from colloquy.models.tabular.config import FeatureSpec, PreprocessingConfig

Matrix = Any
"""A dense ``np.ndarray`` or a sparse CSR matrix, one row per input row."""


def build_column_transformer(
    features: Sequence[FeatureSpec], options: PreprocessingConfig
) -> Any | None:
    """An unfitted ``ColumnTransformer`` for every feature but embedded text (``None`` if
    nothing is left for it)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    numeric = [f.name for f in features if f.kind == "numeric"]
    categorical = [f.name for f in features if f.kind == "categorical"]
    text = [f.name for f in features if f.kind == "text"]
    parts: list[tuple[str, Any, Any]] = []
    if numeric:
        num = options.numeric
        steps: list[tuple[str, Any]] = [
            ("impute", SimpleImputer(strategy=num.impute, fill_value=num.fill_value))
        ]
        scaler = _scaler(num.scaling)
        if scaler is not None:
            steps.append(("scale", scaler))
        parts.append(("numeric", Pipeline(steps), numeric))
    if categorical:
        cat = options.categorical
        grouped = cat.min_frequency is not None or cat.max_categories is not None
        encoder = OneHotEncoder(
            handle_unknown="infrequent_if_exist" if grouped else "ignore",
            min_frequency=cat.min_frequency,
            max_categories=cat.max_categories,
        )
        imputer = SimpleImputer(strategy=cat.impute, fill_value=cat.fill_value)
        pipeline = Pipeline([("impute", imputer), ("onehot", encoder)])
        parts.append(("categorical", pipeline, categorical))
    if options.text.vectoriser == "tfidf":
        tfidf = options.text
        for name in text:
            vectoriser = TfidfVectorizer(
                ngram_range=(1, tfidf.ngram_max),
                max_features=tfidf.max_features,
                min_df=tfidf.min_df,
                sublinear_tf=tfidf.sublinear_tf,
            )
            parts.append((f"text_{name}", vectoriser, name))
    if not parts:
        return None
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.3)


def _scaler(kind: str) -> Any | None:
    from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

    scalers: dict[str, Any] = {
        "standard": StandardScaler,
        "minmax": MinMaxScaler,
        "robust": RobustScaler,
    }
    factory = scalers.get(kind)
    return factory() if factory is not None else None


class Preprocessor:
    """The fitted preparation of a tabular model: a column transformer and an embedder."""

    def __init__(
        self,
        features: Sequence[FeatureSpec],
        options: PreprocessingConfig,
        *,
        embedder: Embedder | None = None,
    ) -> None:
        self.features = tuple(features)
        self.options = options
        self.embedded = tuple(
            f.name for f in features if f.kind == "text" and options.text.vectoriser == "embedding"
        )
        self.embedder = embedder
        self.transformer_: Any | None = None

    def fit_transform(self, frame: pd.DataFrame) -> Matrix:
        """Learn from the training rows and return their features."""
        self.transformer_ = build_column_transformer(self.features, self.options)
        learned = self.transformer_.fit_transform(frame) if self.transformer_ is not None else None
        return self._combine(learned, frame)

    def transform(self, frame: pd.DataFrame) -> Matrix:
        """The features of new rows, as the training rows were prepared."""
        learned = self.transformer_.transform(frame) if self.transformer_ is not None else None
        return self._combine(learned, frame)

    def _combine(self, learned: Matrix | None, frame: pd.DataFrame) -> Matrix:
        blocks: list[Matrix] = [] if learned is None else [learned]
        for name in self.embedded:
            blocks.append(self.embedding_model().encode(frame[name].tolist()).astype(np.float64))
        if len(blocks) == 1:
            block = blocks[0]
            return block.tocsr() if sp.issparse(block) else np.asarray(block, dtype=np.float64)
        if any(sp.issparse(block) for block in blocks):
            return sp.hstack(blocks, format="csr", dtype=np.float64)
        return np.hstack([np.asarray(block, dtype=np.float64) for block in blocks])

    def embedding_model(self) -> Embedder:
        """The sentence embedder of ``vectoriser: embedding`` text columns, loaded once."""
        if self.embedder is None:
            from colloquy.features.embeddings import get_embedder

            self.embedder = get_embedder(self.options.text.embedder)
        return self.embedder
