"""What every page shares: the store, the filters in the sidebar and the URL, the alert
banner, and the empty and broken states.

:func:`start` runs once per script run in the entry point, before the chosen page, and
leaves a :class:`PageContext` for the page (:func:`current`). A page that has nothing to
show calls :func:`need_analyses`, which renders the reason (no data yet: the exact ingest
commands; a broken store: what failed and how to fix it) instead of a stack trace.
"""

from __future__ import annotations

import sys
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import streamlit as st

from colloquy.errors import ColloquyError
from colloquy.services.dashboard import sources
from colloquy.services.dashboard.config import DashboardConfig, parse_args
from colloquy.services.dashboard.data import (
    FilterChoices,
    LoadedAnalyses,
    StoredDataset,
    filter_choices,
    kept,
)
from colloquy.services.dashboard.exports import PageReport
from colloquy.services.dashboard.filters import KEYS, Filters, from_query

if TYPE_CHECKING:
    from colloquy.analytics.analysis.records import ConversationAnalysis, DatasetAnalysis
    from colloquy.config import Settings
    from colloquy.storage import Store

INGEST_COMMANDS = """\
colloquy db upgrade
colloquy data ingest twitter_support "$COLLOQUY_DATA_DIR/twitter_support" --dataset twitter
colloquy analyze twitter
colloquy data ingest craigslist_bargain "$COLLOQUY_DATA_DIR/craigslist_bargain" --dataset deals
colloquy analyze deals"""
"""What a new install runs to have something to show (the README's quick start)."""


@dataclass
class PageContext:
    """One script run's view of the data: what a page reads and where its PDF collects."""

    config: DashboardConfig
    settings: Settings | None
    store: Store | None
    store_error: ColloquyError | None
    datasets: tuple[StoredDataset, ...]
    filters: Filters
    loaded: LoadedAnalyses | None
    choices: FilterChoices | None

    @property
    def url(self) -> str:
        return "" if self.settings is None else self.settings.resolved_database_url

    def view(self, filters: Filters | None = None) -> DatasetAnalysis | None:
        """The filtered aggregate (cached), or ``None`` when there are no analyses."""
        if self.loaded is None:
            return None
        chosen = filters if filters is not None else self.filters
        return sources.view(
            self.loaded, self.url, self.loaded.dataset, self.loaded.analysed_at, chosen.where()
        )


_KEPT = "_dashboard_filters"
_CURRENT: ContextVar[PageContext] = ContextVar("dashboard_page_context")


def current() -> PageContext:
    """The context :func:`start` set for this script run."""
    return _CURRENT.get()


def _query() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in KEYS}


def _open(config: DashboardConfig) -> tuple[Settings | None, Store | None, ColloquyError | None]:
    try:
        settings = sources.settings(None if config.config_file is None else str(config.config_file))
        store = sources.store(settings.resolved_database_url, settings.storage.batch_size)
    except ColloquyError as exc:
        return None, None, exc
    return settings, store, None


def _seed(key: str, value: object) -> None:
    """Give a widget its first value from the URL (later runs keep what the user chose)."""
    if key not in st.session_state:
        st.session_state[key] = value


def _known(values: tuple[str, ...], offered: tuple[str, ...]) -> list[str]:
    return [value for value in values if value in offered]


def _sidebar(datasets: tuple[StoredDataset, ...], query: Filters) -> str | None:
    names = [d.name for d in datasets if d.analysed_at is not None]
    if not names:
        return None
    _seed("f_dataset", query.dataset if query.dataset in names else names[0])
    return st.sidebar.selectbox("Dataset", names, key="f_dataset")


def _criteria(choices: FilterChoices, query: Filters, dataset: str) -> Filters:
    bar = st.sidebar
    lo, hi = choices.first_day, choices.last_day
    _seed("f_from", query.start)
    _seed("f_to", query.end)
    start = bar.date_input("From", key="f_from", min_value=lo, max_value=hi, format="YYYY-MM-DD")
    end = bar.date_input("To", key="f_to", min_value=lo, max_value=hi, format="YYYY-MM-DD")
    picked: dict[str, list[str]] = {}
    for label, key, offered, asked in (
        ("Channel", "channel", choices.channels, query.channels),
        ("Source", "source", choices.sources, query.sources),
        ("Brand", "brand", choices.brands, query.brands),
        ("Intent", "intent", choices.intents, query.intents),
    ):
        if not offered:
            picked[key] = []
            continue
        _seed(f"f_{key}", _known(asked, offered))
        picked[key] = list(bar.multiselect(label, offered, key=f"f_{key}"))
    first = start if isinstance(start, date) else None
    last = end if isinstance(end, date) else None
    if first is not None and last is not None and first > last:
        first, last = last, first
    return Filters(
        dataset=dataset,
        start=first,
        end=last,
        channels=tuple(picked["channel"]),
        sources=tuple(picked["source"]),
        brands=tuple(picked["brand"]),
        intents=tuple(picked["intent"]),
    )


def _sync_url(filters: Filters) -> None:
    wanted = filters.to_query()
    present = {key: st.query_params.get_all(key) for key in KEYS if key in st.query_params}
    normal = {k: v if isinstance(v, list) else [v] for k, v in wanted.items()}
    if present != normal:
        for key in KEYS:
            if key in st.query_params:
                del st.query_params[key]
        st.query_params.update(wanted)


def start(config: DashboardConfig | None = None) -> PageContext:
    """Open the store, draw the shared sidebar, sync the URL; every page runs after this."""
    chosen = config if config is not None else parse_args(sys.argv[1:])
    asked = _query()
    query = from_query(asked)
    kept = st.session_state.get(_KEPT)
    if not any(asked.values()) and isinstance(kept, Filters):
        # A page switch starts from a bare URL: the filters carry over from the last page.
        query = kept
    settings, store, error = _open(chosen)
    datasets: tuple[StoredDataset, ...] = ()
    loaded: LoadedAnalyses | None = None
    choices: FilterChoices | None = None
    filters = Filters()
    if store is not None and settings is not None:
        try:
            datasets = sources.datasets(store, settings.resolved_database_url)
            dataset = _sidebar(datasets, query)
            if dataset is not None:
                loaded = sources.analyses(store, settings.resolved_database_url, dataset)
            if loaded is not None and dataset is not None:
                choices = filter_choices(loaded.records)
                filters = _criteria(choices, query, dataset)
                _sync_url(filters)
                st.session_state[_KEPT] = filters
        except ColloquyError as exc:
            error = exc
    for problem in query.problems:
        st.sidebar.caption(f"Link filter ignored: {problem}")
    if st.sidebar.button("Refresh data", help="Read the store again (new analyses, alerts)."):
        sources.clear()
        st.rerun()
    context = PageContext(
        config=chosen,
        settings=settings,
        store=store,
        store_error=error,
        datasets=datasets,
        filters=filters,
        loaded=loaded,
        choices=choices,
    )
    _CURRENT.set(context)
    return context


def show_store_error(error: ColloquyError) -> None:
    """An unreachable or broken database, said plainly with the fix."""
    st.error(f"The store cannot be read: {error.message}")
    if error.hint:
        st.info(error.hint)
    st.markdown(
        "Check `COLLOQUY_DATABASE_URL` (or `storage.url` in the settings file) and run "
        "`colloquy doctor` to see what is wrong; `colloquy db upgrade` migrates an old schema."
    )


def show_empty(context: PageContext) -> None:
    """A new install: what to run to have something here."""
    if context.datasets:
        names = ", ".join(d.name for d in context.datasets)
        st.info(f"No dataset has been analysed yet (stored: {names}).")
        first = context.datasets[0].name
        st.code(f"colloquy analyze {first}", language="bash")
        return
    st.info("No conversations yet. Ingest a dataset and analyse it, then refresh this page:")
    st.code(INGEST_COMMANDS, language="bash")


def need_analyses(context: PageContext) -> tuple[LoadedAnalyses, DatasetAnalysis] | None:
    """The page's data, or ``None`` after saying why there is none."""
    if context.store_error is not None:
        show_store_error(context.store_error)
        return None
    view = context.view()
    if context.loaded is None or view is None:
        show_empty(context)
        return None
    if context.loaded.unreadable:
        st.caption(
            f"{context.loaded.unreadable} stored analyses could not be read (another version); "
            f"`colloquy analyze {context.loaded.dataset}` rewrites them."
        )
    return context.loaded, view


@dataclass
class AnalysisPage:
    """What a page over stored analyses works with, once the store and data are there."""

    context: PageContext
    report: PageReport
    loaded: LoadedAnalyses
    view: DatasetAnalysis

    @property
    def records(self) -> list[ConversationAnalysis]:
        """The stored per-conversation records the filters keep."""
        return kept(self.loaded.records, self.context.filters.where())


def analysis_page(title: str) -> AnalysisPage | None:
    """Title the page; its data, or ``None`` after saying why there is none."""
    st.title(title)
    context = current()
    found = need_analyses(context)
    if found is None:
        return None
    loaded, view = found
    return AnalysisPage(context, new_report(context, title), loaded, view)


def store_page(title: str) -> tuple[PageContext, PageReport, Store] | None:
    """Title the page; its context, PDF record and store, or ``None`` after the store error."""
    st.title(title)
    context = current()
    if context.store is None:
        if context.store_error is not None:
            show_store_error(context.store_error)
        return None
    return context, new_report(context, title), context.store


def new_report(context: PageContext, title: str) -> PageReport:
    """The PDF record of a page, headed by the filters in force."""
    when = ""
    if context.loaded is not None:
        when = f"; analysed {context.loaded.analysed_at:%Y-%m-%d %H:%M} UTC"
    return PageReport(title=title, subtitle=f"{context.filters.describe()}{when}")
