"""A :class:`Report` in a terminal: the same tables as the HTML page, without the charts.

Long tables are cut to ``max_rows`` rows with a line saying how many were left out, and
long cells (example turns) to :data:`CELL_CHARS`, so ``colloquy analyze`` on a dataset
with hundreds of intents still fits a screen; the HTML report and the JSON output keep
every row.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from colloquy.analytics.report.records import Report
from colloquy.analytics.report.tables import ReportTable, clip

DEFAULT_MAX_ROWS = 12
CELL_CHARS = 72
"""Cells (example turns) are cut to this many characters so a row stays a few lines."""


def _table(table: ReportTable, max_rows: int) -> Table:
    shown = table.rows[:max_rows]
    left = len(table.rows) - len(shown)
    caption = " ".join(
        part
        for part in (f"{left:,} more rows in the HTML or JSON output." if left else "", table.note)
        if part
    )
    out = Table(title=table.title, title_justify="left", caption=caption or None)
    for position, column in enumerate(table.columns):
        # The first column names the row; the others (numbers, examples) wrap around it.
        out.add_column(column, overflow="fold", no_wrap=position == 0)
    for row in shown:
        out.add_row(*(clip(cell, CELL_CHARS) for cell in row))
    if not shown:
        out.add_row("none", *([""] * (len(table.columns) - 1)))
    return out


def print_report(report: Report, console: Console, *, max_rows: int = DEFAULT_MAX_ROWS) -> None:
    """Print ``report``'s facts and every section's tables to ``console``."""
    facts = Table(title=report.title, title_justify="left", show_header=False)
    facts.add_column("fact")
    facts.add_column("value", overflow="fold")
    for key, value in report.facts:
        facts.add_row(key, value)
    console.print(facts)
    for section in report.sections:
        for table in section.tables:
            console.print(_table(table, max_rows))
