"""A :class:`Report` as one self-contained HTML file: it opens offline, from anywhere.

plotly.js is inlined once in the page head (no CDN: a report is mailed, archived and
opened on machines without network). Each chart's figure travels as JSON in a
``<script type="application/json">`` element and one small script draws them all, so
the figures can be read back by a test (or a user) with any JSON parser.

Everything that comes from data is escaped: table cells and headings with
:func:`html.escape`, and the figure JSON with ``<``, ``>`` and ``&`` as ``\\u`` escapes,
so a turn containing ``</script>`` neither ends the element nor runs. The file is
written to a temporary sibling and renamed into place, so a failed or interrupted run
never leaves half a report where the last good one was.
"""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path

from colloquy.analytics.report.charts import Chart
from colloquy.analytics.report.records import Report, ReportSection
from colloquy.analytics.report.tables import ReportTable

FIGURE_CLASS = "colloquy-figure"
"""The class of every figure's JSON ``<script>`` element."""

_MODE = 0o644
"""A report is a document to share: readable by others, like any file a user saves."""

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1200px;
color:#222;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}caption{text-align:left;font-weight:bold;padding:.3em 0}
.note{color:#555;font-size:.85em}.chart{min-height:360px;margin:1em 0}
nav a{margin-right:1em}
"""

_DRAW = f"""
document.querySelectorAll("script.{FIGURE_CLASS}").forEach(function (node) {{
  var spec = JSON.parse(node.textContent);
  var target = document.getElementById(node.dataset.target);
  Plotly.newPlot(target, spec.data, spec.layout, {{responsive: true, displaylogo: false}});
}});
"""


def _json_for_script(text: str) -> str:
    """JSON text safe inside a ``<script>`` element, still valid JSON."""
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _chart(chart: Chart) -> str:
    target = html.escape(chart.id)
    return (
        f'<div class="chart" id="{target}" role="img" aria-label="{html.escape(chart.title)}">'
        f"</div>\n"
        f'<script type="application/json" class="{FIGURE_CLASS}" data-target="{target}">'
        f"{_json_for_script(chart.figure_json)}</script>"
    )


def _table(table: ReportTable) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in table.rows
    )
    if not table.rows:
        body = f'<tr><td colspan="{len(table.columns)}">none</td></tr>'
    note = f'<p class="note">{html.escape(table.note)}</p>' if table.note else ""
    return (
        f'<table id="{html.escape(table.id)}"><caption>{html.escape(table.title)}</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>{note}"
    )


def _section(section: ReportSection) -> str:
    parts = [
        f'<section id="{html.escape(section.id)}"><h2>{html.escape(section.heading)}</h2>',
        f"<p>{html.escape(section.intro)}</p>",
        *(_chart(chart) for chart in section.charts),
        *(_table(table) for table in section.tables),
        "</section>",
    ]
    return "\n".join(parts)


def render_page(report: Report) -> str:
    """The whole HTML document of ``report``, plotly.js included."""
    from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]

    facts = "\n".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in report.facts
    )
    nav = " ".join(
        f'<a href="#{html.escape(s.id)}">{html.escape(s.heading)}</a>' for s in report.sections
    )
    sections = "\n".join(_section(section) for section in report.sections)
    plotly_js = str(get_plotlyjs()).replace("</script", "<\\/script")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(report.title)}</title>
<style>{_STYLE}</style>
<script>{plotly_js}</script>
</head><body>
<h1>{html.escape(report.title)}</h1>
<table id="facts">{facts}</table>
<nav>{nav}</nav>
{sections}
<script>{_DRAW}</script>
</body></html>
"""


def write_page(report: Report, path: Path | str) -> Path:
    """Write ``report`` to ``path`` atomically (a temporary sibling renamed into place),
    creating its folder if needed, as the other report writers do."""
    target = Path(path)
    page = render_page(report)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(page)
        temporary.chmod(_MODE)
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target
