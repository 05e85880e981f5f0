"""TfidfEmbedder: shapes, normalisation, determinism and a skops round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io
from scipy import sparse

from colloquy.errors import ConfigError, DataError, UsageError
from colloquy.features.embeddings import TfidfEmbedder

CORPUS = [
    "I lost my card",
    "my card was stolen yesterday",
    "How do I top up with a bank transfer?",
    "Why was I charged a fee for the transfer?",
    "I never recieved my new card",
    "What is the exchange rate?",
]


def test_shape_and_type() -> None:
    embedder = TfidfEmbedder()

    matrix = embedder.fit_transform(CORPUS)

    assert isinstance(matrix, sparse.csr_matrix)
    assert matrix.shape == (len(CORPUS), embedder.dimension)
    assert matrix.dtype == np.float32
    assert embedder.transform(["a text never seen"]).shape == (1, embedder.dimension)


def test_word_and_character_halves_are_each_unit_length() -> None:
    embedder = TfidfEmbedder().fit(CORPUS)
    words = len(embedder.to_sklearn().transformer_list[0][1].vocabulary_)

    matrix = embedder.transform(CORPUS).toarray()

    np.testing.assert_allclose(np.linalg.norm(matrix[:, :words], axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(matrix[:, words:], axis=1), 1.0, rtol=1e-5)


def test_one_letter_words_and_typos_are_features() -> None:
    embedder = TfidfEmbedder().fit(CORPUS)
    words = embedder.to_sklearn().transformer_list[0][1]

    assert "i" in words.vocabulary_
    typo, correct = embedder.transform(["recieved", "received"]).toarray()
    assert float(typo @ correct) > 0.3  # shared character n-grams


def test_fitting_and_transforming_are_deterministic() -> None:
    first = TfidfEmbedder().fit_transform(CORPUS)
    second = TfidfEmbedder().fit_transform(CORPUS)

    assert (first != second).nnz == 0
    embedder = TfidfEmbedder().fit(CORPUS)
    assert (embedder.transform(CORPUS) != embedder.transform(CORPUS)).nnz == 0


def test_parameters_shape_the_model_id_and_features() -> None:
    small = TfidfEmbedder(word_ngrams=(1, 1), char_ngrams=(3, 3), max_features=20)

    assert small.model_id != TfidfEmbedder().model_id
    assert small.model_id == TfidfEmbedder((1, 1), (3, 3), max_features=20).model_id
    assert small.fit(CORPUS).dimension <= 40


def test_skops_round_trip_trusts_only_library_types(tmp_path: Path) -> None:
    embedder = TfidfEmbedder().fit(CORPUS)
    path = tmp_path / "tfidf.skops"

    skops.io.dump(embedder.to_sklearn(), path)
    untrusted = skops.io.get_untrusted_types(file=path)
    assert all(name.split(".")[0] in {"sklearn", "numpy", "scipy"} for name in untrusted)
    loaded = TfidfEmbedder.from_sklearn(skops.io.load(path, trusted=untrusted))

    assert loaded.model_id == embedder.model_id
    assert (loaded.transform(CORPUS) != embedder.transform(CORPUS)).nnz == 0


def test_transform_before_fit_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="not fitted"):
        TfidfEmbedder().transform(["x"])


def test_an_empty_corpus_is_a_data_error() -> None:
    with pytest.raises(DataError, match="cannot fit TF-IDF"):
        TfidfEmbedder().fit(["", "   "])


def test_bad_ngram_ranges_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="word_ngrams"):
        TfidfEmbedder(word_ngrams=(2, 1))
    with pytest.raises(ConfigError, match="char_ngrams"):
        TfidfEmbedder(char_ngrams=(0, 3))


def test_a_single_string_is_refused() -> None:
    with pytest.raises(UsageError, match="single string"):
        TfidfEmbedder().fit("one text")


def test_banking77_texts(datasets_dir: Path) -> None:
    texts = pd.read_csv(datasets_dir / "banking77" / "test.csv")["text"].tolist()[:500]

    matrix = TfidfEmbedder(min_df=2).fit_transform(texts)

    assert matrix.shape[0] == 500
    assert (matrix.getnnz(axis=1) > 0).all()
