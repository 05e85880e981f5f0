"""One script run: page config, the page list, the shared sidebar and banner, the page.

``app.py`` (the file Streamlit runs) calls :func:`main`; tests call it with another
default page to open a page directly.
"""

from __future__ import annotations

import streamlit as st

from colloquy.services.dashboard import navigation, shell
from colloquy.services.dashboard.config import DashboardConfig
from colloquy.services.dashboard.views.monitoring import open_alerts


def _banner(context: shell.PageContext) -> None:
    if context.store is None:
        return
    firing = open_alerts(context.store)
    if not firing:
        return
    names = ", ".join(sorted({a.rule for a in firing}))
    st.warning(f"{len(firing)} alert(s) firing: {names}")
    st.page_link(navigation.page("monitoring"), label="Open Monitoring to acknowledge")


def main(default: str = navigation.DEFAULT, config: DashboardConfig | None = None) -> None:
    # No page_icon: a material or emoji favicon is fetched from a font CDN, which an
    # offline server cannot reach; Streamlit's own favicon is served locally.
    st.set_page_config(page_title="colloquy", layout="wide")
    pages = navigation.pages(default)
    chosen = st.navigation(list(pages.values()))
    context = shell.start(config)
    _banner(context)
    chosen.run()
