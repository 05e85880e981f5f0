"""A demo store built once per session, and a fresh Streamlit cache for each test."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from .demo_store import build_demo_home


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A colloquy home with twitter, sgd and craigslist_bargain ingested and analysed."""
    root = tmp_path_factory.mktemp("dashboard-demo")
    home = root / "home"
    build_demo_home(home, root / "work")
    return home


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Streamlit's AppTest installs each script it runs as ``sys.modules["__main__"]`` and
    leaves it there; a later test that spawns processes (the tuning workers) would then
    re-run that script in every child, which dies on it. Put the real one back."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Cached stores and settings belong to one test's home."""
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
