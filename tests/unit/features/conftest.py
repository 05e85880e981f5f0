"""The real bundled all-MiniLM-L6-v2, loaded once per session for every feature test.

Loading the model takes seconds and exporting it to ONNX several more, so each backend is
built once per session and shared. The ONNX export goes into a session copy of the model
directory (symlinks to the bundled files plus a real ``onnx/`` folder), never into the
installed package. ``HF_HUB_OFFLINE`` is set before anything imports huggingface_hub, so
no test can reach the network.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"

from collections.abc import Callable
from pathlib import Path

import pytest

from colloquy.features.embeddings import SentenceEmbedder
from colloquy.features.embeddings.sentence import bundled_model_path


def link_model_copy(target: Path) -> Path:
    """A model directory at ``target`` whose files are symlinks to the bundled model."""
    source = bundled_model_path()
    for file in source.rglob("*"):
        if file.is_file():
            link = target / file.relative_to(source)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(file)
    return target


@pytest.fixture(scope="session")
def link_model() -> Callable[[Path], Path]:
    """``link_model(target)``: a fresh symlinked copy of the bundled model at ``target``."""
    return link_model_copy


@pytest.fixture(scope="session")
def minilm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A writable copy of the bundled model directory (exports land in its ``onnx/``)."""
    return link_model_copy(tmp_path_factory.mktemp("minilm") / "all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def onnx_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="session")
def torch_embedder() -> SentenceEmbedder:
    return SentenceEmbedder()


@pytest.fixture(scope="session")
def onnx_embedder(minilm_dir: Path, onnx_cache_dir: Path) -> SentenceEmbedder:
    return SentenceEmbedder(minilm_dir, backend="onnx", cache_dir=onnx_cache_dir)


@pytest.fixture(scope="session")
def onnx_int8_embedder(
    minilm_dir: Path, onnx_cache_dir: Path, onnx_embedder: SentenceEmbedder
) -> SentenceEmbedder:
    # Depends on onnx_embedder so the fp32 export exists and is only quantised here.
    return SentenceEmbedder(minilm_dir, backend="onnx-int8", cache_dir=onnx_cache_dir)
