"""Fixtures shared by the whole suite: the real datasets, real databases, the real MiniLM.

``HF_HUB_OFFLINE`` is set before anything imports huggingface_hub, so no test can reach
the network. The bundled all-MiniLM-L6-v2 is loaded once per session per backend; ONNX
exports go into a session copy of the model directory (symlinks to the bundled files plus
a real ``onnx/`` folder), never into the installed package.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from colloquy.features.embeddings import SentenceEmbedder
from colloquy.features.embeddings.sentence import bundled_model_path
from colloquy.storage import Store
from colloquy.storage.scratch import scratch_postgres_database

REPO_ROOT = Path(__file__).resolve().parents[1]


def _datasets_dir() -> Path:
    configured = os.environ.get("COLLOQUY_DATA_DIR")
    if configured:
        return Path(configured)
    return REPO_ROOT.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    """The folder of real public datasets (``../shared/datasets`` beside the checkout)."""
    path = _datasets_dir()
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"datasets folder {path} is missing under CI")
        pytest.skip(f"datasets folder {path} not found; set COLLOQUY_DATA_DIR")
    return path


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own COLLOQUY_HOME so nothing touches ~/.colloquy."""
    monkeypatch.setenv("COLLOQUY_HOME", str(tmp_path / "home"))
    for name in ("COLLOQUY_DATABASE_URL", "COLLOQUY_STORAGE__URL"):
        monkeypatch.delenv(name, raising=False)


def postgres_server_url() -> str | None:
    return os.environ.get("COLLOQUY_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL database on the CI server, dropped after the session."""
    server = postgres_server_url()
    if not server:
        if os.environ.get("CI"):
            pytest.fail("COLLOQUY_TEST_POSTGRES_URL must be set under CI")
        pytest.skip("COLLOQUY_TEST_POSTGRES_URL is not set (CI sets it; see .ci/run)")
    with scratch_postgres_database(server, prefix="colloquy_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database URL: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    url: str = request.getfixturevalue("postgres_url")
    store = Store.connect(url)
    store.upgrade()
    try:
        yield url
    finally:
        with store.transaction() as conn:
            for table in ("splits", "turns", "conversations", "datasets"):
                conn.execute(text(f"DELETE FROM {table}"))
        store.close()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store.open(store_url, batch_size=50) as opened:
        yield opened


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
