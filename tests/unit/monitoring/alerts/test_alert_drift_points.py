"""Drift results become metric points that a rules file can name, and survive the file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from colloquy.monitoring.alerts.drift_points import append_points, drift_points
from colloquy.monitoring.alerts.series import read_series
from colloquy.monitoring.check import DriftReport
from colloquy.monitoring.drift.records import DatasetDrift, FeatureDrift

AT = datetime(2026, 6, 5, tzinfo=UTC)


def _feature(name: str, status: str, statistic: float | None) -> FeatureDrift:
    return FeatureDrift(
        feature=name,
        kind="numeric",
        status=status,  # type: ignore[arg-type]
        method="psi",
        statistic=statistic,
        p_value=None,
        effect=statistic,
        threshold=0.1,
        reference_rows=100,
        current_rows=100,
        reference_missing=0.0,
        current_missing=0.0,
        detail="",
    )


def test_points_round_trip_through_the_metrics_file(tmp_path: Path) -> None:
    features = (
        _feature("n_turns", "drifted", 0.31),
        _feature("age", "stable", 0.02),
        _feature("tier", "constant", None),
    )
    dataset = DatasetDrift(
        rule="colloquy",
        features=features,
        tested=2,
        drifted_count=1,
        share=0.5,
        share_threshold=0.5,
        drifted=True,
        reference_rows=100,
        current_rows=100,
    )
    report = DriftReport("intent-v1", "june", dataset, (), (), ())
    points = drift_points(report, AT)
    by_name = {p.metric: p.value for p in points}
    assert by_name == {
        "drift.intent-v1.share": 0.5,
        "drift.intent-v1.drifted": 1.0,
        "drift.intent-v1.feature.n_turns.statistic": 0.31,
        "drift.intent-v1.feature.n_turns.drifted": 1.0,
        "drift.intent-v1.feature.age.statistic": 0.02,
        "drift.intent-v1.feature.age.drifted": 0.0,
    }
    path = tmp_path / "metrics.jsonl"
    assert append_points(path, points) == 6
    append_points(path, points)
    series = read_series(path)
    assert [p.value for p in series["drift.intent-v1.share"]] == [0.5, 0.5]
    assert series["drift.intent-v1.share"][0].at == AT
