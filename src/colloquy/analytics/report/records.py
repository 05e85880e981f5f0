"""A report as data: sections of charts and tables, rendered to HTML or to a terminal.

Building the content (which numbers, which charts) is separate from drawing it, so the
HTML page and ``--format table`` show the same tables, and a test can read a report's
sections without parsing HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

from colloquy.analytics.report.charts import Chart
from colloquy.analytics.report.tables import ReportTable


@dataclass(frozen=True, slots=True)
class ReportSection:
    """One heading of the report, with its explanation, charts and tables."""

    id: str
    heading: str
    intro: str
    charts: tuple[Chart, ...] = ()
    tables: tuple[ReportTable, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    """A whole report: a title, key facts (label, value) and its sections in order."""

    title: str
    facts: tuple[tuple[str, str], ...]
    sections: tuple[ReportSection, ...]
