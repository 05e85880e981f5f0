"""Metric series read from a JSON-lines file: one ``{"metric", "at", "value"}`` per line.

Anything that measures (a drift check, a cron job, an exporter) can append to such a file
and have ``colloquy monitor run`` alert on it; a bad line is reported with its number.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from colloquy.errors import NotFoundError, ParseError
from colloquy.monitoring.alerts.evaluate import MetricPoint

_HINT = 'each line must be {"metric": NAME, "at": ISO-8601 time, "value": NUMBER}'


def _point(raw: object) -> MetricPoint:
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    metric, at, value = raw.get("metric"), raw.get("at"), raw.get("value")
    if not isinstance(metric, str) or not metric:
        raise ValueError("'metric' must be a non-empty string")
    if not isinstance(at, str):
        raise ValueError("'at' must be an ISO-8601 string")
    moment = datetime.fromisoformat(at)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"'value' must be a finite number, got {value!r}")
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return MetricPoint(metric=metric, at=moment, value=float(value))


def read_series(path: Path) -> dict[str, list[MetricPoint]]:
    """Points grouped by metric name."""
    if not path.is_file():
        raise NotFoundError(f"metrics file {path} does not exist")
    series: dict[str, list[MetricPoint]] = defaultdict(list)
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                point = _point(json.loads(line))
            except ValueError as exc:
                raise ParseError(str(exc), path=path, line=number, hint=_HINT) from None
            series[point.metric].append(point)
    return dict(series)
