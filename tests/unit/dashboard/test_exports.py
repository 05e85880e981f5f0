from __future__ import annotations

import pandas as pd

from colloquy.services.dashboard.exports import (
    MAX_PDF_ROWS,
    ExportTable,
    PageReport,
    csv_bytes,
    file_stem,
    pdf_bytes,
)


def test_csv_has_a_header_and_every_row() -> None:
    frame = pd.DataFrame({"intent": ["refund", "card, lost"], "count": [3, 1]})
    text = csv_bytes(frame).decode("utf-8").splitlines()
    assert text == ["intent,count", "refund,3", '"card, lost",1']


def test_pdf_holds_title_facts_and_tables() -> None:
    report = PageReport(title="Overview", subtitle="dataset twitter")
    report.facts.append(("Resolution rate", "41.0%"))
    rows = pd.DataFrame({"step": [f"s{i}" for i in range(MAX_PDF_ROWS + 5)], "n": 1})
    report.tables.append(ExportTable("Steps — ranked", rows))
    report.tables.append(ExportTable("Empty", pd.DataFrame({"a": []})))
    data = pdf_bytes(report)
    assert data.startswith(b"%PDF-")
    for needle in (
        b"Overview",
        b"Resolution rate: 41.0%",
        b"s0",
        b"no rows for these filters",
        b"the CSV export",
    ):
        assert needle in data
    assert b"s44" not in data


def test_file_stem_is_safe() -> None:
    assert file_stem("Failure points at step user:FindRestaurants") == (
        "failure-points-at-step-user-findrestaurants"
    )
    assert file_stem("—") == "export"
