"""Fixtures shared by the whole suite: the real datasets and real databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from colloquy.storage import Store

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
    admin_url = make_url(server).set(drivername="postgresql+psycopg")
    name = f"colloquy_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
