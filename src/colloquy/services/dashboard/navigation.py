"""The page list, built once per script run, and the page objects links switch to."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

import streamlit as st
from streamlit.navigation.page import StreamlitPage

DEFAULT = "overview"
_PAGES: ContextVar[dict[str, StreamlitPage]] = ContextVar("dashboard_pages")


def _entries() -> list[tuple[str, str, Callable[[], None]]]:
    from colloquy.services.dashboard.views import (
        agent,
        conversion,
        failures,
        flow,
        intents,
        models,
        monitoring,
        overview,
        sentiment,
    )

    return [
        ("overview", overview.TITLE, overview.render),
        ("intents", intents.TITLE, intents.render),
        ("flow", flow.TITLE, flow.render),
        ("failures", failures.TITLE, failures.render),
        ("sentiment", sentiment.TITLE, sentiment.render),
        ("conversion", conversion.TITLE, conversion.render),
        ("models", models.TITLE, models.render),
        ("monitoring", monitoring.TITLE, monitoring.render),
        ("agent", agent.TITLE, agent.render),
    ]


def pages(default: str = DEFAULT) -> dict[str, StreamlitPage]:
    """Every page by its URL path (``/flow``, ``/failures``…); ``default`` opens at ``/``."""
    built = {
        # No icons: Streamlit fetches a page's material icon from a font CDN for the
        # favicon, which an offline server cannot reach.
        path: st.Page(render, title=title, url_path=path, default=path == default)
        for path, title, render in _entries()
    }
    _PAGES.set(built)
    return built


def page(path: str) -> StreamlitPage:
    """The page at ``path`` of this run (for ``st.switch_page``)."""
    return _PAGES.get()[path]
