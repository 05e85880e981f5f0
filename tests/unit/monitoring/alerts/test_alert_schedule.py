"""A failing pass is logged and counted; the schedule keeps evaluating."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from colloquy.errors import ParseError
from colloquy.monitoring.alerts import (
    AlertConfig,
    AlertEvaluator,
    EvaluationReport,
    MetricPoint,
    RuleStatus,
)
from colloquy.monitoring.alerts.schedule import AlertScheduler
from colloquy.storage import Store
from colloquy.storage.alerts import AlertRepository

NOW = datetime(2026, 6, 10, tzinfo=UTC)


def test_schedule_survives_failing_passes(tmp_path: Path) -> None:
    config = AlertConfig.model_validate(
        {
            "channels": {"log": {"type": "log"}},
            "rules": {"r": {"metric": "m", "threshold": 1.0, "channels": ["log"]}},
        }
    )
    calls = iter(range(100))
    statuses: list[RuleStatus] = []

    def source() -> Mapping[str, Sequence[MetricPoint]]:
        call = next(calls)
        if call == 0:
            raise ParseError("not JSON", path=tmp_path / "m.jsonl", line=3)
        if call == 1:
            raise RuntimeError("database went away")
        return {"m": [MetricPoint("m", NOW, 2.0)]}

    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        evaluator = AlertEvaluator(config, AlertRepository(store))
        scheduler = AlertScheduler(evaluator, source, timedelta(0), clock=lambda: NOW)

        def record(report: EvaluationReport) -> None:
            statuses.append(report.status_of("r"))
            if len(statuses) == 2:
                scheduler.stop(timeout=0)

        scheduler.on_report = record
        scheduler.run_forever()
    assert (scheduler.passes, scheduler.failures) == (4, 2)
    assert statuses == [RuleStatus.FIRED, RuleStatus.SUPPRESSED]
