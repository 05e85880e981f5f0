"""Overview: the morning numbers, their sparklines and their change on the previous period."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from colloquy.analytics.analysis.records import DatasetAnalysis
from colloquy.analytics.outcomes import OutcomeKind
from colloquy.services.dashboard import shell, widgets
from colloquy.services.dashboard.exports import PageReport

TITLE = "Overview"
SPARK_POINTS = 30
"""Buckets a sparkline shows (the newest)."""
CHART_BUCKETS = 120
"""Busy buckets the volume chart draws (the newest); the table and CSV have them all."""


def _customer_mean(view: DatasetAnalysis) -> float | None:
    for speaker in view.sentiment.speakers:
        if speaker.speaker.value == "customer" and speaker.compound is not None:
            return speaker.compound.mean
    return None


def _first_response(view: DatasetAnalysis) -> float | None:
    dist = view.dynamics.first_response_seconds
    return None if dist is None else dist.median


def _kpis(view: DatasetAnalysis) -> dict[str, float | None]:
    outcomes = view.outcomes
    return {
        "Conversations": float(view.conversations),
        "Resolution rate": outcomes.resolution.value,
        "Escalation rate": outcomes.escalation.value,
        "Customer sentiment": _customer_mean(view),
        "Conversion rate": outcomes.conversion.value,
        "First response (median)": _first_response(view),
    }


def _text(name: str, value: float | None) -> str:
    if name == "Conversations":
        return "n/a" if value is None else f"{value:,.0f}"
    if name == "Customer sentiment":
        return widgets.number(value, 3)
    if name.startswith("First response"):
        return widgets.seconds(value)
    return widgets.percent(value)


def _delta(name: str, now: float | None, before: float | None) -> str | None:
    if now is None or before is None:
        return None
    change = now - before
    if name == "Conversations":
        return f"{change:+,.0f}"
    if name == "Customer sentiment":
        return f"{change:+.3f}"
    if name.startswith("First response"):
        return f"{change:+.0f} s"
    return f"{change * 100:+.1f} pts"


def _sparklines(view: DatasetAnalysis) -> dict[str, list[float]]:
    """The latest buckets that hold conversations (a sparse span of years has many empty)."""
    busy = [p for p in view.sentiment.trend.points if p.conversations][-SPARK_POINTS:]
    lines: dict[str, list[float]] = {
        "Conversations": [float(p.conversations) for p in busy],
        "Customer sentiment": [p.customer_mean for p in busy if p.customer_mean is not None],
    }
    names = {
        OutcomeKind.RESOLUTION: "Resolution rate",
        OutcomeKind.ESCALATION: "Escalation rate",
        OutcomeKind.CONVERSION: "Conversion rate",
    }
    for series in view.trends:
        rates = [p.rate.value for p in series.points if p.n and p.rate.value is not None]
        lines[names[series.kind]] = rates[-SPARK_POINTS:]
    return lines


def _inverse(name: str) -> bool:
    return name in ("Escalation rate",) or name.startswith("First response")


def kpi_panel(context: shell.PageContext, report: PageReport) -> None:
    """The headline tiles: value, change on the previous period, sparkline."""
    view = context.view()
    if view is None:
        return
    previous = context.filters.previous_period()
    prior = context.view(previous) if previous is not None else None
    before = _kpis(prior) if prior is not None else {}
    now = _kpis(view)
    lines = _sparklines(view)
    columns = st.columns(3)
    for i, (name, value) in enumerate(now.items()):
        delta = _delta(name, value, before.get(name))
        line = lines.get(name, [])
        with columns[i % 3]:
            st.metric(
                name,
                _text(name, value),
                delta=delta,
                delta_color="inverse" if _inverse(name) else "normal",
                chart_data=line if len(line) > 1 else None,
                chart_type="line",
                border=True,
            )
        report.facts.append((name, _text(name, value) + (f" ({delta})" if delta else "")))
    if previous is None:
        st.caption("Choose a date range (From and To) to compare with the previous period.")
    else:
        st.caption(f"Change against {previous.start} to {previous.end}.")


def render() -> None:
    page = shell.analysis_page(TITLE)
    if page is None:
        return
    context, report, loaded = page.context, page.report, page.loaded
    view = page.view
    refresh = context.config.refresh_seconds

    @st.fragment(run_every=refresh if st.session_state.get("auto_refresh") else None)
    def live() -> None:
        kpi_panel(context, report)

    st.toggle(f"Auto-refresh every {refresh} s", key="auto_refresh")
    live()
    rows = [
        {
            "bucket": p.start.isoformat(),
            "conversations": p.conversations,
            "customer_sentiment": p.customer_mean,
            "csat": p.csat_mean,
        }
        for p in view.sentiment.trend.points
        if p.conversations
    ]
    frame = pd.DataFrame(rows, columns=["bucket", "conversations", "customer_sentiment", "csat"])
    if not frame.empty:
        st.markdown(f"**Conversations per {view.options.bucket.value}**")
        st.bar_chart(frame.tail(CHART_BUCKETS), x="bucket", y="conversations", height=220)
    widgets.table(
        report,
        "Volume and sentiment per bucket (buckets with conversations)",
        frame,
        key="overview-trend",
    )
    report.notes.append(
        f"{view.conversations:,} conversations of {loaded.dataset} "
        f"({view.excluded:,} left out by the filters)."
    )
    widgets.pdf_button(report)
