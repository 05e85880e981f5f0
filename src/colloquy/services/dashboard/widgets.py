"""Drawing helpers: a table or chart always comes with its CSV, a page with its PDF.

Both files are made when their button is clicked (Streamlit calls the function then), so a
page run pays for none of them, and a download does not rerun the page.

Each helper also records what it drew in the page's :class:`PageReport`, so the PDF holds
exactly the tables and chart data the reader saw.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped]
import plotly.io as pio  # type: ignore[import-untyped]
import streamlit as st

from colloquy.analytics.report import Chart
from colloquy.services.dashboard.exports import (
    ExportTable,
    PageReport,
    csv_bytes,
    file_stem,
    pdf_bytes,
)


def _csv_button(title: str, frame: pd.DataFrame, key: str) -> None:
    st.download_button(
        "Download CSV",
        data=partial(csv_bytes, frame),
        file_name=f"{file_stem(title)}.csv",
        mime="text/csv",
        on_click="ignore",
        key=f"csv-{key}",
        help=f"{title}: every row as CSV",
    )


def table(
    report: PageReport,
    title: str,
    frame: pd.DataFrame,
    *,
    key: str,
    column_config: dict[str, Any] | None = None,
) -> None:
    """A titled table with its CSV download."""
    st.markdown(f"**{title}**")
    if frame.empty:
        st.caption("Nothing to show for these filters.")
    else:
        st.dataframe(frame, hide_index=True, width="stretch", column_config=column_config)
    _csv_button(title, frame, key)
    report.tables.append(ExportTable(title, frame))


def figure(report: PageReport, title: str, fig: go.Figure, data: pd.DataFrame, *, key: str) -> None:
    """A titled plotly chart with the CSV of its data."""
    st.markdown(f"**{title}**")
    # The heading above is the title; the report figures carry their own, drawn once only.
    fig.update_layout(title_text="", margin={"l": 10, "r": 10, "t": 10, "b": 10}, height=360)
    st.plotly_chart(fig, width="stretch", key=f"chart-{key}")
    _csv_button(title, data, key)
    report.tables.append(ExportTable(title, data))


def report_chart(report: PageReport, chart: Chart, data: pd.DataFrame, *, key: str) -> None:
    """A chart the analytics report built (the same figure as the HTML report)."""
    figure(report, chart.title, pio.from_json(chart.figure_json), data, key=key)


def pdf_button(report: PageReport) -> None:
    """The page as a PDF report (title, filters, facts and every table shown)."""
    st.divider()
    st.download_button(
        "Download PDF report",
        data=partial(pdf_bytes, report),
        file_name=f"{file_stem(report.title)}.pdf",
        mime="application/pdf",
        on_click="ignore",
        key="pdf-report",
        type="primary",
    )


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def number(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value < 120:
        return f"{value:.0f} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"
