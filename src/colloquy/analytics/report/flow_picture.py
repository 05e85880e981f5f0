"""The dataset's flow as a PNG picture, from the stored analysis (no conversation re-read).

The interactive Sankey lives in the HTML report; the picture is for documents, tickets and
slides, where a script cannot run.
"""

from __future__ import annotations

from pathlib import Path

from colloquy.analytics.analysis.records import DatasetAnalysis
from colloquy.analytics.flow import FlowDrawing, render_png
from colloquy.errors import UsageError


def write_flow_png(analysis: DatasetAnalysis, path: Path | str, *, min_count: int = 1) -> Path:
    """Draw the flow of ``analysis`` (edges seen at least ``min_count`` times) into ``path``."""
    flow = analysis.flow
    if flow.conversations == 0:
        raise UsageError(
            f"dataset {analysis.dataset!r} has no dialogue states to draw "
            f"({flow.untraced:,} conversations without a trace)",
            hint="give --intent-model DIR so customer turns get intents, or drop --flow-png",
        )
    drawing = FlowDrawing(flow.level, flow.conversations, flow.nodes, flow.edges)
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    try:
        render_png(drawing, partial, min_count=min_count)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target
