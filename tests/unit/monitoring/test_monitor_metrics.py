"""Health collectors on a real SQLite store and the monitor's own counters."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import create_engine

from colloquy.monitoring.alerts.delivery import DeliveryOutcome
from colloquy.monitoring.alerts.evaluate import EvaluationReport, RuleOutcome, RuleStatus
from colloquy.monitoring.metrics import MonitorMetrics, install_health_collectors
from colloquy.storage import Store


def test_health_collectors_report_process_and_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    Store.open(url).close()
    registry = CollectorRegistry()
    engine = create_engine(url)
    install_health_collectors(registry, engine, ttl=0)
    assert registry.get_sample_value("colloquy_database_up", {"backend": "sqlite"}) == 1.0
    size = registry.get_sample_value("colloquy_database_size_bytes", {"backend": "sqlite"})
    assert size == (tmp_path / "s.db").stat().st_size
    assert registry.get_sample_value("process_resident_memory_bytes") is not None
    (tmp_path / "s.db").unlink()
    (tmp_path / "s.db").mkdir()  # the file is gone and cannot be recreated
    engine.dispose()  # no pooled connection to the deleted file survives
    assert registry.get_sample_value("colloquy_database_up", {"backend": "sqlite"}) == 0.0
    engine.dispose()


def test_monitor_metrics_count_a_pass() -> None:
    metrics = MonitorMetrics.create()
    report = EvaluationReport(
        at=datetime(2026, 1, 1, tzinfo=UTC),
        rules=(RuleOutcome("psi", RuleStatus.FIRED, 0.4, 1),),
        deliveries=(DeliveryOutcome("hook", False, 3, "HTTP 500"),),
    )
    metrics.observe(report, {"psi": "drift.psi"})
    text = generate_latest(metrics.registry).decode()
    assert 'colloquy_alert_evaluations_total{rule="psi",status="fired"} 1.0' in text
    assert 'colloquy_alert_deliveries_total{channel="hook",outcome="failed"} 1.0' in text
    assert 'colloquy_monitored_value{metric="drift.psi",rule="psi"} 0.4' in text
