"""Drift results as metric points, so alert rules can watch any drift score.

Names are ``drift.<reference>.<what>``: the reference snapshot's name first, so one rules
file can treat two models differently. Per report: ``share`` (drifted share of tested
features) and ``drifted`` (1 or 0); per tested feature ``feature.<name>.statistic`` and
``feature.<name>.drifted``; per text field ``text.<field>.roc_auc``,
``text.<field>.centroid_distance``, ``text.<field>.novel_share`` and ``text.<field>.drifted``.
``append_points`` writes them as the JSON lines ``colloquy monitor run --metrics`` reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from colloquy.monitoring.alerts.evaluate import MetricPoint

if TYPE_CHECKING:
    from colloquy.monitoring.check import DriftReport


def drift_points(report: DriftReport, at: datetime) -> list[MetricPoint]:
    prefix = f"drift.{report.reference}"
    dataset = report.dataset
    values: list[tuple[str, float]] = [
        ("share", dataset.share),
        ("drifted", float(report.drifted)),
    ]
    for feature in dataset.features:
        if feature.status not in {"stable", "drifted"}:
            continue
        if feature.statistic is not None:
            values.append((f"feature.{feature.feature}.statistic", feature.statistic))
        values.append((f"feature.{feature.feature}.drifted", float(feature.drifted)))
    for text in report.texts:
        values.extend(
            [
                (f"text.{text.field}.roc_auc", text.roc_auc),
                (f"text.{text.field}.centroid_distance", text.centroid_distance),
                (f"text.{text.field}.novel_share", text.novel_share),
                (f"text.{text.field}.drifted", float(text.drifted)),
            ]
        )
    return [MetricPoint(f"{prefix}.{name}", at, value) for name, value in values]


def append_points(path: Path, points: Iterable[MetricPoint]) -> int:
    """Append ``points`` as JSON lines; returns how many were written."""
    lines = [
        json.dumps({"metric": p.metric, "at": p.at.isoformat(), "value": p.value}) + "\n"
        for p in points
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.writelines(lines)
    return len(lines)
