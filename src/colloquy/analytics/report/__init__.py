"""Reports of analyses: a self-contained interactive HTML page, terminal tables, JSON.

:func:`dataset_report` and :func:`conversation_report` turn an engine record
(:class:`~colloquy.analytics.analysis.DatasetAnalysis` or
:class:`~colloquy.analytics.analysis.ConversationAnalysis`) into a :class:`Report` of
sections; :func:`write_html` writes it as one HTML file with plotly charts (a Sankey of
the flow, sentiment and outcome trends, response-time histograms per brand, intents,
outcome rates with Wilson intervals) that opens offline; :func:`write_flow_png` draws the
flow as a PNG; :func:`print_report` prints its tables. JSON is the stored codec's
(:mod:`colloquy.analytics.persistence.codec`).
"""

from __future__ import annotations

from pathlib import Path

from colloquy.analytics.analysis.records import ConversationAnalysis, DatasetAnalysis
from colloquy.analytics.report.charts import Chart, TrendLine
from colloquy.analytics.report.console import print_report
from colloquy.analytics.report.conversation import conversation_report
from colloquy.analytics.report.dataset import dataset_report, describe_filter
from colloquy.analytics.report.flow_picture import write_flow_png
from colloquy.analytics.report.page import FIGURE_CLASS, render_page, write_page
from colloquy.analytics.report.records import Report, ReportSection
from colloquy.analytics.report.tables import UNAVAILABLE, ReportTable


def build_report(analysis: DatasetAnalysis | ConversationAnalysis) -> Report:
    """The report of a dataset aggregate or of one conversation."""
    if isinstance(analysis, DatasetAnalysis):
        return dataset_report(analysis)
    return conversation_report(analysis)


def write_html(analysis: DatasetAnalysis | ConversationAnalysis, path: Path | str) -> Path:
    """Write the HTML report of ``analysis`` to ``path`` (atomically) and return the path."""
    return write_page(build_report(analysis), path)


__all__ = [
    "FIGURE_CLASS",
    "UNAVAILABLE",
    "Chart",
    "Report",
    "ReportSection",
    "ReportTable",
    "TrendLine",
    "build_report",
    "conversation_report",
    "dataset_report",
    "describe_filter",
    "print_report",
    "render_page",
    "write_flow_png",
    "write_html",
    "write_page",
]
