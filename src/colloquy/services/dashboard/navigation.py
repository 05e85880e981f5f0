"""The page list, built once per script run, and the page objects links switch to."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

import streamlit as st
from streamlit.navigation.page import StreamlitPage

DEFAULT = "overview"
_PAGES: ContextVar[dict[str, StreamlitPage]] = ContextVar("dashboard_pages")


def _entries() -> list[tuple[str, str, Callable[[], None], str]]:
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
        ("overview", overview.TITLE, overview.render, ":material/dashboard:"),
        ("intents", intents.TITLE, intents.render, ":material/category:"),
        ("flow", flow.TITLE, flow.render, ":material/account_tree:"),
        ("failures", failures.TITLE, failures.render, ":material/report:"),
        ("sentiment", sentiment.TITLE, sentiment.render, ":material/mood:"),
        ("conversion", conversion.TITLE, conversion.render, ":material/trending_up:"),
        ("models", models.TITLE, models.render, ":material/model_training:"),
        ("monitoring", monitoring.TITLE, monitoring.render, ":material/monitor_heart:"),
        ("agent", agent.TITLE, agent.render, ":material/support_agent:"),
    ]


def pages(default: str = DEFAULT) -> dict[str, StreamlitPage]:
    """Every page by its URL path (``/flow``, ``/failures``…); ``default`` opens at ``/``."""
    built = {
        path: st.Page(render, title=title, icon=icon, url_path=path, default=path == default)
        for path, title, render, icon in _entries()
    }
    _PAGES.set(built)
    return built


def page(path: str) -> StreamlitPage:
    """The page at ``path`` of this run (for ``st.switch_page``)."""
    return _PAGES.get()[path]
