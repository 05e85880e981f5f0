"""SentenceEmbedder on the real bundled MiniLM: torch, ONNX fp32 and ONNX int8 backends."""

from __future__ import annotations

import copy
import os
import shutil
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from colloquy.errors import ColloquyError, ConfigError, DataError, NotFoundError, UsageError
from colloquy.features.embeddings import (
    DEFAULT_MODEL,
    CachedEmbedder,
    Embedder,
    EmbeddingCache,
    SentenceEmbedder,
    get_embedder,
    onnx_export,
    resolve_model_path,
)
from colloquy.features.embeddings.onnx_encoder import EncoderSettings, OnnxEmbedder, OnnxEncoder
from colloquy.features.embeddings.sentence import bundled_model_path, model_fingerprint
from colloquy.features.embeddings.tfidf import TfidfEmbedder, TfidfTransform

SENTENCES = [
    "How do I activate my new card?",
    "I still have not received my card, I ordered it over a week ago.",
    "what is the exchange rate for euros",
    "  My top-up failed but the money left my account!  ",
    "Can I change my PIN at an ATM?",
    "café, naïve, 日本語 and emoji 🙂 in one message",
    "cancel",
    "why " * 200 + "is this so long",  # truncated at max_seq_length
]


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray((a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1))


def test_torch_vectors_have_width_384_and_unit_length(torch_embedder: SentenceEmbedder) -> None:
    vectors = torch_embedder.encode(SENTENCES)

    assert torch_embedder.dimension == 384
    assert vectors.shape == (len(SENTENCES), 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_similar_sentences_score_higher_than_unrelated(torch_embedder: SentenceEmbedder) -> None:
    anchor, close, far = torch_embedder.encode(
        [
            "I lost my credit card",
            "My bank card is missing, I think it was stolen",
            "What is the weather like in Paris tomorrow?",
        ]
    )

    assert float(anchor @ close) > float(anchor @ far) + 0.2


def test_encode_keeps_input_order(torch_embedder: SentenceEmbedder) -> None:
    together = torch_embedder.encode(SENTENCES, batch_size=3)
    one_by_one = np.vstack([torch_embedder.encode([text]) for text in SENTENCES])

    np.testing.assert_allclose(together, one_by_one, atol=1e-5)


def test_empty_input_gives_zero_rows(
    torch_embedder: SentenceEmbedder, onnx_embedder: SentenceEmbedder
) -> None:
    assert torch_embedder.encode([]).shape == (0, 384)
    assert onnx_embedder.encode([]).shape == (0, 384)


def test_progress_is_reported_after_each_batch(onnx_embedder: SentenceEmbedder) -> None:
    calls: list[tuple[int, int | None]] = []

    onnx_embedder.encode(
        SENTENCES[:5], batch_size=2, progress=lambda e: calls.append((e.done, e.total))
    )

    assert calls == [(2, 5), (4, 5), (5, 5)]


def test_a_single_string_is_refused(torch_embedder: SentenceEmbedder) -> None:
    with pytest.raises(UsageError, match="single string"):
        torch_embedder.encode("hello")
    with pytest.raises(UsageError, match="not str"):
        torch_embedder.encode(["fine", None])  # type: ignore[list-item]


def test_onnx_fp32_matches_torch(
    torch_embedder: SentenceEmbedder, onnx_embedder: SentenceEmbedder
) -> None:
    reference = torch_embedder.encode(SENTENCES)
    vectors = onnx_embedder.encode(SENTENCES, batch_size=3)

    assert vectors.shape == reference.shape
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert cosine_rows(vectors, reference).min() > 0.9999


def test_onnx_int8_is_close_to_torch(
    torch_embedder: SentenceEmbedder, onnx_int8_embedder: SentenceEmbedder
) -> None:
    reference = torch_embedder.encode(SENTENCES)
    vectors = onnx_int8_embedder.encode(SENTENCES)

    assert onnx_int8_embedder.onnx_path is not None
    assert onnx_int8_embedder.onnx_path.name == "model_int8.onnx"
    assert cosine_rows(vectors, reference).min() > 0.98


def test_onnx_export_sits_next_to_a_writable_model(
    onnx_embedder: SentenceEmbedder, minilm_dir: Path
) -> None:
    assert onnx_embedder.onnx_path == minilm_dir / "onnx" / "model.onnx"


def test_onnx_export_is_reused_by_the_next_embedder(
    onnx_embedder: SentenceEmbedder, minilm_dir: Path, onnx_cache_dir: Path
) -> None:
    path = onnx_embedder.onnx_path
    assert path is not None
    before = path.stat().st_mtime_ns

    again = SentenceEmbedder(minilm_dir, backend="onnx", cache_dir=onnx_cache_dir)

    assert again.onnx_path == path
    assert path.stat().st_mtime_ns == before
    assert not list(path.parent.glob(".*.tmp.onnx"))


@pytest.mark.slow
def test_onnx_export_goes_to_the_cache_dir_when_the_model_dir_is_read_only(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    link_model: Callable[[Path], Path],
    torch_embedder: SentenceEmbedder,
) -> None:
    model_dir = link_model(tmp_path / "readonly-model")
    model_dir.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP)
    if os.geteuid() == 0:  # root writes anywhere; make the probe see what a user would
        real = onnx_export.can_write
        monkeypatch.setattr(
            onnx_export, "can_write", lambda d: not d.is_relative_to(model_dir) and real(d)
        )
    try:
        embedder = SentenceEmbedder(model_dir, backend="onnx", cache_dir=tmp_path / "cache")
    finally:
        model_dir.chmod(0o755)

    assert embedder.onnx_path is not None
    assert embedder.onnx_path.is_relative_to(tmp_path / "cache")
    assert not (model_dir / "onnx" / "model.onnx").exists()
    vectors = embedder.encode(SENTENCES[:3])
    assert cosine_rows(vectors, torch_embedder.encode(SENTENCES[:3])).min() > 0.9999


def test_model_id_differs_by_backend_and_names_the_weights(
    torch_embedder: SentenceEmbedder,
    onnx_embedder: SentenceEmbedder,
    onnx_int8_embedder: SentenceEmbedder,
    minilm_dir: Path,
) -> None:
    ids = {e.model_id for e in (torch_embedder, onnx_embedder, onnx_int8_embedder)}
    fingerprint = model_fingerprint(minilm_dir)

    assert len(ids) == 3
    assert all(f"@{fingerprint}:" in model_id for model_id in ids)
    assert torch_embedder.model_id == f"st:{DEFAULT_MODEL}@{fingerprint}:torch:seq128"


def test_the_fingerprint_changes_with_the_weights(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for folder, weights in ((first, b"weights one"), (second, b"weights two")):
        folder.mkdir()
        (folder / "config.json").write_text("{}")
        (folder / "model.safetensors").write_bytes(weights)

    assert model_fingerprint(first) != model_fingerprint(second)
    assert len(model_fingerprint(first)) == 12
    (first / "model.safetensors").write_bytes(b"weights two")
    assert model_fingerprint(first) == model_fingerprint(second)


def test_bundled_names_resolve_to_the_packaged_model(tmp_path: Path) -> None:
    bundled = bundled_model_path()

    assert resolve_model_path(DEFAULT_MODEL) == bundled
    assert resolve_model_path("all-MiniLM-L6-v2") == bundled
    assert resolve_model_path(tmp_path) == tmp_path
    assert resolve_model_path("someone/some-model") == "someone/some-model"


def test_an_unknown_model_is_one_clear_error_without_network() -> None:
    with pytest.raises(NotFoundError) as caught:
        SentenceEmbedder("no-such-owner/no-such-model-xyz")

    message = str(caught.value)
    assert "no-such-owner/no-such-model-xyz" in message
    assert "local" in message
    assert "\n" not in message
    assert caught.value.__suppress_context__


def test_a_missing_local_directory_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="does not exist"):
        SentenceEmbedder(tmp_path / "absent", backend="onnx")
    with pytest.raises(NotFoundError, match="does not exist"):
        resolve_model_path("./no/such/model/dir")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"backend": "tensorflow"}, "unknown embedding backend"),
        ({"max_seq_length": 0}, "at least 1"),
        ({"max_seq_length": 4096}, "512 positions"),
        ({"backend": "onnx", "device": "cuda"}, "runs on the CPU"),
    ],
)
def test_bad_settings_are_config_errors(
    kwargs: dict[str, object], match: str, minilm_dir: Path
) -> None:
    with pytest.raises(ConfigError, match=match):
        SentenceEmbedder(minilm_dir, **kwargs)  # type: ignore[arg-type]


def test_a_model_the_onnx_backend_cannot_replay_is_refused_before_exporting(
    tmp_path: Path,
) -> None:
    model_dir = tmp_path / "dense-model"
    model_dir.mkdir()
    shutil.copy(bundled_model_path() / "config.json", model_dir / "config.json")
    (model_dir / "modules.json").write_text(
        '[{"path": "", "type": "sentence_transformers.models.Transformer"},'
        ' {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},'
        ' {"path": "2_Dense", "type": "sentence_transformers.models.Dense"}]'
    )

    with pytest.raises(ConfigError, match="'Dense' cannot run on the ONNX backends"):
        SentenceEmbedder(model_dir, backend="onnx", cache_dir=tmp_path / "cache")
    assert not (model_dir / "onnx").exists()


def test_get_embedder_wraps_the_cache_when_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, torch_embedder: SentenceEmbedder
) -> None:
    import colloquy.features.embeddings as embeddings

    def reuse(model: str, *, backend: str, device: str) -> SentenceEmbedder:
        assert (model, backend, device) == (DEFAULT_MODEL, "torch", "cpu")
        return torch_embedder

    monkeypatch.setattr(embeddings, "SentenceEmbedder", reuse)
    plain = get_embedder()
    with EmbeddingCache(tmp_path / "e.sqlite") as cache:
        cached = get_embedder(cache=cache)

        assert plain is torch_embedder
        assert isinstance(cached, CachedEmbedder)
        assert cached.inner is torch_embedder
        assert cached.model_id == torch_embedder.model_id


def test_embedder_checks_what_subclasses_return() -> None:
    class Broken(Embedder):
        model_id = "broken"
        dimension = 3

        def _encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
            return np.zeros((len(texts), 2))

    with pytest.raises(ColloquyError, match="expected"):
        Broken().encode(["a"])


# ----------------------------------------------------------------- serving from a model dir


def test_the_serving_encoder_rebuilt_from_bytes_gives_the_int8_vectors(
    onnx_int8_embedder: SentenceEmbedder,
) -> None:
    serving = onnx_int8_embedder.serving_encoder()
    assert serving.model_id == onnx_int8_embedder.model_id
    settings = EncoderSettings.from_dict(serving.settings.to_dict())
    assert settings == serving.settings
    encoder = OnnxEncoder.from_bytes(serving.onnx.read_bytes(), serving.tokenizer_json, settings)
    served = OnnxEmbedder(encoder, serving.model_id)
    assert served.dimension == onnx_int8_embedder.dimension
    np.testing.assert_allclose(
        served.encode(SENTENCES), onnx_int8_embedder.encode(SENTENCES), atol=1e-6
    )


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        ({"pooling": ["weightedmean"]}, "unsupported pooling"),
        ({"pad_id": -1}, "pad_id must be a whole number"),
        ({"lowercase": "yes"}, "lowercase must be true or false"),
        ({"extra": 1}, "unexpected fields"),
    ],
)
def test_bad_encoder_settings_are_refused(
    onnx_int8_embedder: SentenceEmbedder, change: dict[str, object], pattern: str
) -> None:
    good = onnx_int8_embedder.serving_encoder().settings.to_dict()
    with pytest.raises(ConfigError, match=pattern):
        EncoderSettings.from_dict({**good, **change})


def test_a_graph_that_is_not_onnx_is_a_config_error(onnx_int8_embedder: SentenceEmbedder) -> None:
    serving = onnx_int8_embedder.serving_encoder()
    with pytest.raises(ConfigError, match="cannot load the ONNX encoder"):
        OnnxEncoder.from_bytes(b"not a graph", serving.tokenizer_json, serving.settings)


def test_embedders_are_shared_not_copied(torch_embedder: SentenceEmbedder) -> None:
    assert copy.deepcopy(torch_embedder) is torch_embedder


TFIDF_TEXTS = [
    *SENTENCES,
    "",
    "   ",
    "a\tb\n\nc  d",
    "x",
    "I I I I i",
    "top-up failed!!! $25 ... don't",
    "ÉCOLE Straße İstanbul",
]


def test_the_numpy_tfidf_equals_the_fitted_vectorisers() -> None:
    fitted = TfidfEmbedder().fit(SENTENCES * 2 + ["I paid $5 for a top-up", "x y z"])
    plain = fitted.export()
    assert plain.dimension == fitted.dimension
    expected = fitted.transform(TFIDF_TEXTS).toarray()
    rows = plain.transform(TFIDF_TEXTS)
    assert rows.shape == expected.shape
    np.testing.assert_allclose(rows.toarray(), expected, atol=1e-6)
    weights = np.random.default_rng(0).normal(size=(plain.dimension, 3)).astype(np.float32)
    np.testing.assert_allclose(rows @ weights, expected @ weights, atol=1e-5)
    rebuilt = TfidfTransform.from_parts(plain.settings(), plain.arrays())
    np.testing.assert_array_equal(rebuilt.transform(TFIDF_TEXTS).toarray(), rows.toarray())


def test_tfidf_parts_that_do_not_fit_are_data_errors() -> None:
    plain = TfidfEmbedder().fit(SENTENCES).export()
    settings, arrays = plain.settings(), plain.arrays()
    with pytest.raises(DataError, match="char_idf does not have one weight per char term"):
        TfidfTransform.from_parts(settings, {**arrays, "char_idf": arrays["char_idf"][:-1]})
    with pytest.raises(DataError, match="incomplete or malformed"):
        TfidfTransform.from_parts({k: v for k, v in settings.items() if k != "word_terms"}, arrays)
    with pytest.raises(DataError, match="wrong kind"):
        TfidfTransform.from_parts({**settings, "token_pattern": ".*"}, arrays)
