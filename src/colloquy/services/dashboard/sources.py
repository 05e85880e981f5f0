"""The dashboard's data sources, opened once per process and cached.

The store, the settings, the decoded analyses and each filtered aggregate are cached in
Streamlit's resource cache: a page view reads memory, not the database, and nothing is
re-aggregated unless the filter changed. Entries expire after the refresh interval, so a
new ``colloquy analyze`` run shows up without a restart. Records are frozen, so sharing
one cached object between sessions is safe.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import streamlit as st

from colloquy.analytics.analysis.records import DatasetAnalysis
from colloquy.analytics.outcomes import ConversationFilter
from colloquy.services.dashboard.config import DEFAULT_REFRESH_SECONDS
from colloquy.services.dashboard.data import (
    LoadedAnalyses,
    StoredDataset,
    aggregate_view,
    load_analyses,
    stored_datasets,
)

if TYPE_CHECKING:
    from colloquy.config import Settings
    from colloquy.storage import Store

_TTL = timedelta(seconds=DEFAULT_REFRESH_SECONDS)


@st.cache_resource(show_spinner=False)
def settings(config_file: str | None) -> Settings:
    from colloquy.config import load_settings

    return load_settings(config_file)


@st.cache_resource(show_spinner=False)
def store(url: str, batch_size: int) -> Store:
    """The store at ``url`` (schema checked, a new SQLite file migrated)."""
    from colloquy.storage import Store

    return Store.open(url, batch_size=batch_size)


@st.cache_resource(show_spinner=False, ttl=_TTL)
def datasets(_store: Store, url: str) -> tuple[StoredDataset, ...]:
    return stored_datasets(_store)


@st.cache_resource(show_spinner=False, ttl=_TTL)
def analyses(_store: Store, url: str, dataset: str) -> LoadedAnalyses | None:
    return load_analyses(_store, dataset)


@st.cache_resource(show_spinner=False, max_entries=64)
def view(
    _loaded: LoadedAnalyses,
    url: str,
    dataset: str,
    analysed_at: datetime,
    where: ConversationFilter,
) -> DatasetAnalysis:
    """A filtered aggregate; keyed by when the analyses were stored, so a rerun refreshes it."""
    return aggregate_view(_loaded, where)


def clear() -> None:
    """Forget cached data (the refresh button)."""
    datasets.clear()
    analyses.clear()
    view.clear()
