"""A data quality report: what a dataset really contains before anyone trains on it.

:func:`quality_report` measures (``measure``) into a frozen :class:`QualityReport`
(``report``), which renders as JSON (``to_dict``), rows for a terminal table and a
self-contained HTML page with charts (``render``).
"""

from __future__ import annotations

from colloquy.data.quality.measure import (
    TOP_EXAMPLES,
    normalise_text,
    quality_report,
    summarise_counts,
)
from colloquy.data.quality.report import NumberSummary, QualityReport, SpeakerShare, Violation

__all__ = [
    "TOP_EXAMPLES",
    "NumberSummary",
    "QualityReport",
    "SpeakerShare",
    "Violation",
    "normalise_text",
    "quality_report",
    "summarise_counts",
]
