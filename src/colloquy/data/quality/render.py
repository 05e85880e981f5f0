"""The data quality report drawn for people: rows for a terminal table, an HTML page.

Kept apart from the measuring so that computing a report never imports matplotlib; the
charts are drawn only when a page is written.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from colloquy.data.quality.measure import TOP_EXAMPLES
from colloquy.data.quality.report import QualityReport, SpeakerShare, TableRow

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CHART_LABELS = 80
"""The label chart shows at most this many (the largest) classes."""


def table_rows(report: QualityReport) -> list[TableRow]:
    """``(section, metric, value)`` rows, values formatted for a terminal table."""
    return [
        *_overview_rows(report),
        *_completeness_rows(report),
        *_label_rows(report),
        *_shape_rows(report),
        *_issue_rows(report),
    ]


def write_html(report: QualityReport, path: Path | str) -> Path:
    """Write a self-contained HTML page (charts embedded as PNG) and return its path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(report), encoding="utf-8")
    return target


def _overview_rows(report: QualityReport) -> list[TableRow]:
    return [
        ("overview", "conversations", f"{report.conversations:,}"),
        ("overview", "turns", f"{report.turns:,}"),
        ("overview", "empty texts", f"{report.empty_texts:,}"),
        ("overview", "duplicate texts", f"{report.duplicate_texts:,}"),
    ]


def _completeness_rows(report: QualityReport) -> list[TableRow]:
    return [("completeness", name, _pct(share)) for name, share in report.completeness.items()]


def _label_rows(report: QualityReport) -> list[TableRow]:
    ratio = "n/a" if report.imbalance_ratio is None else f"{report.imbalance_ratio:.2f}"
    rows = [
        ("labels", "key", report.label_key),
        ("labels", "classes", str(len(report.label_counts))),
        ("labels", "unlabelled", f"{report.unlabelled:,}"),
        ("labels", "imbalance ratio (max/min)", ratio),
    ]
    if report.label_counts:
        counts = list(report.label_counts.items())
        rows.append(("labels", "largest class", f"{counts[0][0]} ({counts[0][1]:,})"))
        rows.append(("labels", "smallest class", f"{counts[-1][0]} ({counts[-1][1]:,})"))
    return rows


def _shape_rows(report: QualityReport) -> list[TableRow]:
    rows: list[TableRow] = []
    tpc = report.turns_per_conversation
    if tpc is not None:
        for name, value in tpc.to_dict().items():
            rows.append(("turns per conversation", name, _num(value)))
    for role, share in report.speakers.items():
        spoken = f"{_pct(share.turn_share)} of turns, {_pct(share.word_share)} of words"
        rows.append(("speakers", role, spoken))
    return rows


def _issue_rows(report: QualityReport) -> list[TableRow]:
    rows = [("violations", v.rule, f"{v.count:,}") for v in report.violations]
    rows.append(("problems", "load problems", f"{len(report.problems):,}"))
    rows.extend(("problems", "", str(p)) for p in report.problems[:TOP_EXAMPLES])
    return rows


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def _png(figure: Figure) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="chart" src="data:image/png;base64,{encoded}">'


def _label_chart(counts: Mapping[str, int]) -> Figure:
    from matplotlib.figure import Figure

    names = list(counts)[:CHART_LABELS][::-1]
    figure = Figure(figsize=(8, max(2.5, 0.18 * len(names) + 1)))
    axes = figure.add_subplot()
    axes.barh(range(len(names)), [counts[n] for n in names], color="#4c72b0")
    axes.set_yticks(range(len(names)), names, fontsize=7 if len(names) > 30 else 9)
    axes.set_xlabel("conversations")
    shown = "" if len(counts) <= CHART_LABELS else f" (largest {CHART_LABELS} of {len(counts)})"
    axes.set_title(f"label distribution{shown}")
    axes.margins(y=0.01)
    return figure


def _turns_chart(histogram: Mapping[int, int]) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 3.5))
    axes = figure.add_subplot()
    values, weights = list(histogram), list(histogram.values())
    bins = min(50, max(values) - min(values) + 1)
    axes.hist(values, bins=bins, weights=weights, color="#55a868", edgecolor="white")
    axes.set_xlabel("turns per conversation")
    axes.set_ylabel("conversations")
    axes.set_title("turns per conversation")
    return figure


def _speaker_chart(speakers: Mapping[str, SpeakerShare]) -> Figure:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 3))
    axes = figure.add_subplot()
    roles = list(speakers)
    positions = range(len(roles))
    axes.bar([p - 0.2 for p in positions], [speakers[r].turn_share for r in roles], 0.4)
    axes.bar([p + 0.2 for p in positions], [speakers[r].word_share for r in roles], 0.4)
    axes.set_xticks(list(positions), roles)
    axes.set_ylabel("share")
    axes.set_ylim(0, 1)
    axes.legend(["turns", "words"])
    axes.set_title("speaker balance")
    return figure


def _charts(report: QualityReport) -> list[tuple[str, str]]:
    charts: list[tuple[str, str]] = []
    if report.label_counts:
        charts.append(("Label distribution", _png(_label_chart(report.label_counts))))
    if report.turn_count_histogram:
        charts.append(("Turns per conversation", _png(_turns_chart(report.turn_count_histogram))))
    if report.speakers:
        charts.append(("Speaker balance", _png(_speaker_chart(report.speakers))))
    return charts


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .6rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}img{max-width:100%}
"""


def _table(rows: Iterable[Sequence[str]], header: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def render_html(report: QualityReport) -> str:
    """The whole report as one self-contained HTML document."""
    sections = [
        "<h2>Summary</h2>",
        _table(table_rows(report), ("section", "metric", "value")),
    ]
    if report.duplicate_examples:
        sections.append("<h2>Most duplicated texts</h2>")
        repeats = [(text, str(count)) for text, count in report.duplicate_examples]
        sections.append(_table(repeats, ("normalised text", "occurrences")))
    for title, image in _charts(report):
        sections.append(f"<h2>{html.escape(title)}</h2>{image}")
    if report.problems:
        sections.append("<h2>Load problems</h2>")
        rows = [(p.path, "" if p.line is None else str(p.line), p.message) for p in report.problems]
        sections.append(_table(rows, ("file", "line", "message")))
    data = html.escape(json.dumps(report.to_dict(), indent=1))
    sections.append(f"<details><summary>raw JSON</summary><pre>{data}</pre></details>")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>colloquy data quality</title><style>{_STYLE}</style></head>"
        f"<body><h1>Data quality report</h1>{''.join(sections)}</body></html>"
    )


__all__ = ["CHART_LABELS", "render_html", "table_rows", "write_html"]
