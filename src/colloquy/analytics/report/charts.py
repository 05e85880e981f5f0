"""The report's interactive charts, each built from one analytics record.

Every builder returns a :class:`Chart`: the plotly figure as JSON text, ready to embed.
plotly objects never leave this module, so the page assembly and the tests handle one
frozen record, and a chart can be checked by parsing its JSON without a browser.

plotly renders a subset of HTML inside labels (``<b>``, ``<a href>``), so every label that
comes from data (intents, dialogue states, brands) is HTML-escaped here: plotly shows the
escaped entity as the literal character, and a crafted intent name cannot inject markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go  # type: ignore[import-untyped]

from colloquy.analytics.analysis.records import CsatBin
from colloquy.analytics.dynamics import GroupDynamics, HistogramBin
from colloquy.analytics.flow import END, START, FlowEdge
from colloquy.analytics.outcomes import IntentDistribution, OutcomeMetrics, Rate, TrendSeries
from colloquy.analytics.sentiment.trajectory import SentimentTrajectory
from colloquy.schema import Speaker

MAX_SANKEY_LINKS = 60
"""The most frequent transitions drawn; more make a Sankey unreadable."""
MAX_INTENTS = 30
"""The most frequent intents drawn; the full list is in the table beside the chart."""
MAX_BRANDS = 8
"""Brands (groups) drawn beside the overall response-time histogram."""

_END_COLOUR = "rgba(214, 39, 40, 0.45)"
_LINK_COLOUR = "rgba(31, 119, 180, 0.35)"


@dataclass(frozen=True, slots=True)
class Chart:
    """One figure of the report: an element id, a heading and the plotly figure as JSON."""

    id: str
    title: str
    figure_json: str


@dataclass(frozen=True, slots=True)
class TrendLine:
    """A dated series of values for a trend chart; ``None`` values are gaps, not zeros."""

    name: str
    days: tuple[str, ...]
    values: tuple[float | None, ...]
    lows: tuple[float | None, ...] = ()
    highs: tuple[float | None, ...] = ()


def label(text: str) -> str:
    """A data value made safe to show in a plotly label."""
    return html.escape(text, quote=False)


def _chart(chart_id: str, title: str, figure: go.Figure) -> Chart:
    figure.update_layout(
        title={"text": label(title)},
        template="plotly_white",
        margin={"l": 60, "r": 30, "t": 60, "b": 60},
    )
    return Chart(id=chart_id, title=title, figure_json=str(figure.to_json()))


def _node_name(node: str) -> str:
    if node == START:
        return "(start)"
    if node == END:
        return "(end)"
    return label(node)


def sankey_chart(edges: Sequence[FlowEdge], conversations: int) -> Chart:
    """The flow graph as a Sankey: the most frequent transitions, ends in red.

    Self-transitions (a state repeated, at the turn level) cannot be drawn as a Sankey
    link and are left out; the transition table beside the chart lists them.
    """
    drawn = [edge for edge in edges if edge.source != edge.target][:MAX_SANKEY_LINKS]
    nodes: list[str] = []
    index: dict[str, int] = {}
    for edge in drawn:
        for node in (edge.source, edge.target):
            if node not in index:
                index[node] = len(nodes)
                nodes.append(node)
    sankey = go.Sankey(
        arrangement="snap",
        node={"label": [_node_name(n) for n in nodes], "pad": 12, "thickness": 14},
        link={
            "source": [index[e.source] for e in drawn],
            "target": [index[e.target] for e in drawn],
            "value": [e.count for e in drawn],
            "customdata": [f"{e.share:.1%}" for e in drawn],
            "hovertemplate": "%{source.label} → %{target.label}<br>%{value} times "
            "(%{customdata} of leaving)<extra></extra>",
            "color": [_END_COLOUR if e.target == END else _LINK_COLOUR for e in drawn],
        },
    )
    title = (
        f"Dialogue flow: {conversations:,} conversations, "
        f"the {len(drawn)} most frequent transitions"
    )
    return _chart("flow-sankey", title, go.Figure(data=[sankey]))


def bin_label(item: HistogramBin) -> str:
    """A response-time bin on a human scale: ``<1 min``, ``1–5 min``, ``>1 day``."""

    def human(seconds: float) -> str:
        if seconds >= 86400:
            return f"{seconds / 86400:g} day"
        if seconds >= 3600:
            return f"{seconds / 3600:g} h"
        return f"{seconds / 60:g} min"

    if item.upper is None:
        return f">{human(item.lower)}"
    if item.lower == 0:
        return f"<{human(item.upper)}"
    return f"{human(item.lower)}–{human(item.upper)}"


def response_time_chart(overall: Sequence[HistogramBin], groups: Sequence[GroupDynamics]) -> Chart:
    """Share of agent replies per response-time bin: all replies, then the largest groups.

    Shares rather than counts, so a brand with a few hundred replies compares with one
    with thousands; the count is in the hover text.
    """
    series = [("all conversations", tuple(overall))]
    series += [
        (g.group, g.summary.response_histogram)
        for g in groups[:MAX_BRANDS]
        if g.summary.replies > 0
    ]
    figure = go.Figure()
    for name, bins in series:
        total = sum(b.count for b in bins)
        if total == 0:
            continue
        figure.add_trace(
            go.Bar(
                name=label(name),
                x=[bin_label(b) for b in bins],
                y=[b.count / total for b in bins],
                customdata=[b.count for b in bins],
                hovertemplate="%{x}: %{y:.1%} (%{customdata} replies)",
            )
        )
    figure.update_layout(barmode="group", yaxis={"tickformat": ".0%", "title": "share of replies"})
    return _chart("response-times", "Agent response times", figure)


def intent_chart(intents: IntentDistribution) -> Chart:
    """The most frequent intents as horizontal bars, the most frequent on top."""
    shown = intents.shares[:MAX_INTENTS]
    figure = go.Figure(
        go.Bar(
            x=[s.count for s in reversed(shown)],
            y=[label(s.intent) for s in reversed(shown)],
            orientation="h",
            customdata=[f"{s.share:.1%}" for s in reversed(shown)],
            hovertemplate="%{y}: %{x} conversations (%{customdata})<extra></extra>",
        )
    )
    figure.update_layout(height=max(320, 22 * len(shown) + 120), xaxis={"title": "conversations"})
    title = f"Intents: the {len(shown)} most frequent of {len(intents.shares)}"
    return _chart("intents", title, figure)


def _rate_bars(rates: Sequence[tuple[str, Rate]]) -> go.Bar:
    known = [(name, rate) for name, rate in rates if rate.value is not None]
    return go.Bar(
        x=[name for name, _ in known],
        y=[rate.value for _, rate in known],
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [(rate.high or 0.0) - (rate.value or 0.0) for _, rate in known],
            "arrayminus": [(rate.value or 0.0) - (rate.low or 0.0) for _, rate in known],
        },
        customdata=[f"{rate.successes} of {rate.n}" for _, rate in known],
        hovertemplate="%{x}: %{y:.1%} (%{customdata})<extra></extra>",
    )


def outcome_chart(metrics: OutcomeMetrics) -> Chart:
    """Resolution, escalation and conversion rates with their Wilson 95 % intervals.

    A rate over no conversations has no bar (not a bar at zero).
    """
    rates = [
        ("resolution", metrics.resolution),
        ("escalation", metrics.escalation),
        ("conversion", metrics.conversion),
    ]
    figure = go.Figure(_rate_bars(rates))
    figure.update_layout(yaxis={"tickformat": ".0%", "range": [0, 1], "title": "rate"})
    return _chart("outcome-rates", "Outcome rates (Wilson 95 % intervals)", figure)


def outcome_trend_lines(series: Sequence[TrendSeries]) -> tuple[TrendLine, ...]:
    """Each outcome series as a :class:`TrendLine`; series with no value at all are left out."""
    lines: list[TrendLine] = []
    for item in series:
        if all(p.rate.value is None for p in item.points):
            continue
        lines.append(
            TrendLine(
                name=f"{item.kind.value} ({item.bucket.value})",
                days=tuple(p.start.isoformat() for p in item.points),
                values=tuple(p.rate.value for p in item.points),
                lows=tuple(p.rate.low for p in item.points),
                highs=tuple(p.rate.high for p in item.points),
            )
        )
    return tuple(lines)


def trend_chart(
    chart_id: str, title: str, lines: Sequence[TrendLine], *, y_title: str, percent: bool
) -> Chart:
    """Dated lines with gaps where a bucket had no value, error bars where a line has bounds."""
    figure = go.Figure()
    for line in lines:
        bounded = bool(line.lows and line.highs)
        figure.add_trace(
            go.Scatter(
                name=label(line.name),
                x=list(line.days),
                y=list(line.values),
                mode="lines+markers",
                connectgaps=False,
                error_y=_bounds(line) if bounded else None,
            )
        )
    axis: dict[str, object] = {"title": y_title}
    if percent:
        axis["tickformat"] = ".0%"
    figure.update_layout(yaxis=axis, xaxis={"type": "date"})
    return _chart(chart_id, title, figure)


def _bounds(line: TrendLine) -> dict[str, object]:
    """Asymmetric error bars from a line's lows and highs (none where the value is missing)."""
    above = [
        None if v is None or h is None else h - v
        for v, h in zip(line.values, line.highs, strict=True)
    ]
    below = [
        None if v is None or lo is None else v - lo
        for v, lo in zip(line.values, line.lows, strict=True)
    ]
    return {"type": "data", "symmetric": False, "array": above, "arrayminus": below}


def turn_sentiment_chart(trajectory: SentimentTrajectory) -> Chart:
    """Each speaker's compound polarity turn by turn through one conversation."""
    figure = go.Figure()
    for who in Speaker:
        turns = [t for t in trajectory.turns if t.speaker is who]
        if not turns:
            continue
        figure.add_trace(
            go.Scatter(
                name=who.value,
                x=[t.turn_index for t in turns],
                y=[t.score.compound for t in turns],
                customdata=[t.score.label for t in turns],
                mode="lines+markers",
                hovertemplate="turn %{x}: %{y:.2f} (%{customdata})",
            )
        )
    figure.update_layout(
        xaxis={"title": "turn"}, yaxis={"title": "compound", "range": [-1.05, 1.05]}
    )
    return _chart("turn-sentiment", f"Sentiment per turn ({trajectory.model})", figure)


def csat_chart(bins: Sequence[CsatBin]) -> Chart:
    """Conversations per rounded CSAT estimate, 1 to 5 (every score shown, even at 0)."""
    figure = go.Figure(
        go.Bar(
            x=[b.score for b in bins],
            y=[b.count for b in bins],
            hovertemplate="CSAT %{x}: %{y} conversations<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis={"title": "CSAT estimate (rounded)", "dtick": 1}, yaxis={"title": "conversations"}
    )
    return _chart("csat-distribution", "Customer satisfaction proxy (CSAT estimate)", figure)
