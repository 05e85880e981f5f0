"""The Streamlit dashboard over stored analyses, models, jobs, drift, alerts and agent sessions.

``colloquy dashboard`` runs :func:`app_path` with Streamlit. The package is a thin edge:
:mod:`.data` and :mod:`.models_data` read what the library stores, :mod:`.views` draw one
page each, :mod:`.shell` holds what every page shares (store, filters, empty and broken
states) and :mod:`.exports` turns what a page showed into CSV and PDF.
"""

from __future__ import annotations

from pathlib import Path


def app_path() -> Path:
    """The Streamlit script to run."""
    return Path(__file__).with_name("app.py")


__all__ = ["app_path"]
