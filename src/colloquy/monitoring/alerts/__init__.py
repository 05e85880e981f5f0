"""Alerting: YAML rules over metric series, suppression, grouping, escalation, channels.

``load_alert_config`` reads a rules file, ``AlertEvaluator.evaluate`` runs one pass and
records what it fired and delivered through :class:`colloquy.storage.alerts.AlertRepository`.
"""

from __future__ import annotations

from colloquy.monitoring.alerts.evaluate import (
    AlertEvaluator,
    EvaluationReport,
    MetricPoint,
    RuleOutcome,
    RuleStatus,
)
from colloquy.monitoring.alerts.rules import AlertConfig, AlertRule, load_alert_config

__all__ = [
    "AlertConfig",
    "AlertEvaluator",
    "AlertRule",
    "EvaluationReport",
    "MetricPoint",
    "RuleOutcome",
    "RuleStatus",
    "load_alert_config",
]
