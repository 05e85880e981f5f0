"""The drift report as one self-contained HTML page: verdict, table, a plot per feature."""

from __future__ import annotations

import html
from pathlib import Path

import plotly.graph_objects as go  # type: ignore[import-untyped]

from colloquy.monitoring.check import DriftReport
from colloquy.monitoring.drift.summary import FeatureSummary
from colloquy.monitoring.reference import ReferenceSnapshot

_TOP_CATEGORIES = 20


def _figure(ref: FeatureSummary, cur: FeatureSummary) -> go.Figure:
    figure = go.Figure()
    if ref.kind == "numeric":
        figure.add_histogram(x=ref.values, name="reference", histnorm="probability", opacity=0.6)
        figure.add_histogram(x=cur.values, name="current", histnorm="probability", opacity=0.6)
        figure.update_layout(barmode="overlay")
    else:
        total_ref = max(sum(ref.counts.values()), 1)
        total_cur = max(sum(cur.counts.values()), 1)
        keys = sorted(
            set(ref.counts) | set(cur.counts),
            key=lambda k: -(ref.counts.get(k, 0) / total_ref + cur.counts.get(k, 0) / total_cur),
        )[:_TOP_CATEGORIES]
        figure.add_bar(x=keys, y=[ref.counts.get(k, 0) / total_ref for k in keys], name="reference")
        figure.add_bar(x=keys, y=[cur.counts.get(k, 0) / total_cur for k in keys], name="current")
    figure.update_layout(title=ref.name, height=320, margin={"t": 40, "b": 40})
    return figure


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def render_html(report: DriftReport, snapshot: ReferenceSnapshot, path: Path) -> Path:
    """Write the page; plotly.js is inlined once, so the page opens offline."""
    data = report.dataset
    verdict = "DRIFT" if report.drifted else "no drift"
    rows = "".join(
        f"<tr><td>{html.escape(f.feature)}</td><td>{f.kind}</td><td>{f.status}</td>"
        f"<td>{f.method}</td><td>{_fmt(f.statistic)}</td><td>{_fmt(f.p_value)}</td>"
        f"<td>{_fmt(f.threshold)}</td><td>{html.escape(f.detail)}</td></tr>"
        for f in data.features
    )
    texts = "".join(
        f"<h3>text field {html.escape(t.field)}: {'DRIFT' if t.drifted else 'no drift'}</h3>"
        f"<p>domain classifier ROC-AUC {t.roc_auc:.3f} (floor {t.auc_floor}, p={t.p_value:.3g}),"
        f" novel share {t.novel_share:.3f} (floor {t.novel_floor}, p={t.novel_p_value:.3g}),"
        f" centroid distance {t.centroid_distance:.4f}</p>"
        f"<p>telling words: {html.escape(', '.join(t.telling_words))}</p><ul>"
        + "".join(f"<li>{html.escape(x)}</li>" for x in t.telling_texts)
        + "</ul>"
        for t in report.texts
    )
    current = {f.name: f for f in report.current_features}
    plots = []
    first = True
    for ref in snapshot.features:
        cur = current.get(ref.name)
        if cur is None or cur.kind != ref.kind:
            continue
        plots.append(_figure(ref, cur).to_html(full_html=False, include_plotlyjs=first))
        first = False
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>colloquy drift report</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px}</style></head>"
        f"<body><h1>Drift: {verdict}</h1>"
        f"<p>reference {html.escape(report.reference)} ({data.reference_rows} rows) vs current "
        f"{html.escape(report.current)} ({data.current_rows} rows); rule {data.rule}; "
        f"{data.drifted_count}/{data.tested} features drifted "
        f"(share {data.share:.2f}, threshold {data.share_threshold})</p>"
        "<table><tr><th>feature</th><th>kind</th><th>status</th><th>method</th>"
        f"<th>score</th><th>p-value</th><th>threshold</th><th>detail</th></tr>{rows}</table>"
        f"{texts}{''.join(plots)}</body></html>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
