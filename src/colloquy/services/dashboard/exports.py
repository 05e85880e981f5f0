"""Exports: every table and chart as CSV, every page as a PDF report.

A page collects what it shows in a :class:`PageReport` while it renders (headline facts
and the data behind each table and chart); the PDF is drawn from that record with fpdf2,
a pure-Python library, so no browser or native renderer is needed on the server. Charts
go into the PDF as their data table: the numbers a reader needs, not a picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from fpdf import FPDF
from fpdf.enums import XPos, YPos

MAX_PDF_ROWS = 40
"""Rows of one table printed in the PDF; the CSV export has them all."""
MAX_CELL_CHARS = 60
"""Characters of one cell printed in the PDF."""


@dataclass(frozen=True, slots=True)
class ExportTable:
    """One table or chart's data, under the heading the page shows."""

    title: str
    frame: pd.DataFrame


@dataclass
class PageReport:
    """What one page showed, gathered while it rendered, for its PDF."""

    title: str
    subtitle: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    tables: list[ExportTable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with a header row and no index."""
    return frame.to_csv(index=False).encode("utf-8")


def file_stem(title: str) -> str:
    """A file-name-safe form of a heading."""
    cleaned = "".join(c.lower() if c.isalnum() else "-" for c in title)
    return "-".join(part for part in cleaned.split("-") if part) or "export"


def _latin(text: object) -> str:
    """Text the PDF's core font can draw (characters outside Latin-1 become '?')."""
    return str(text).encode("latin-1", "replace").decode("latin-1")


def _cell(value: object) -> str:
    text = _latin("" if value is None or (isinstance(value, float) and pd.isna(value)) else value)
    text = " ".join(text.split())
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "~"


def _table(pdf: FPDF, table: ExportTable) -> None:
    pdf.set_font("Helvetica", "B", 11)
    pdf.multi_cell(0, 6, _latin(table.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    frame = table.frame
    if frame.empty:
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(0, 5, "no rows for these filters", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    pdf.set_font("Helvetica", "", 8)
    shown = frame.head(MAX_PDF_ROWS)
    with pdf.table(text_align="LEFT", line_height=4.5) as grid:
        header = grid.row()
        for column in shown.columns:
            header.cell(_cell(column))
        for values in shown.itertuples(index=False):
            row = grid.row()
            for value in values:
                row.cell(_cell(value))
    if len(frame) > MAX_PDF_ROWS:
        pdf.set_font("Helvetica", "I", 8)
        pdf.multi_cell(
            0,
            5,
            f"first {MAX_PDF_ROWS} of {len(frame)} rows; the CSV export has them all",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.ln(3)


def pdf_bytes(report: PageReport) -> bytes:
    """The page as a PDF: title, filters, headline facts, then each table."""
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_title(_latin(report.title))
    pdf.set_creator("colloquy dashboard")
    # Uncompressed, so the text is searchable by a test or a grep; the pages are small.
    pdf.set_compression(False)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, _latin(report.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(0, 5, _latin(report.subtitle), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    if report.facts:
        pdf.set_font("Helvetica", "", 10)
        for name, value in report.facts:
            pdf.multi_cell(0, 5.5, _latin(f"{name}: {value}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2)
    for note in report.notes:
        pdf.set_font("Helvetica", "I", 9)
        pdf.multi_cell(0, 5, _latin(note), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for table in report.tables:
        _table(pdf, table)
    return bytes(pdf.output())
