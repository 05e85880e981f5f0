"""One evaluation pass: rules against metric values, then suppress, repeat or escalate.

Per rule, the points inside its trailing window are aggregated and compared with the
threshold. A breach with no open alert fires one (sent to the rule's channels); while it
stays open, a breach within ``suppress`` of the last message is only counted, one after it
is repeated, and an open alert nobody acknowledged for ``escalate_after`` is sent once to
the escalation channels. A rule back under its threshold resolves its alert. Alerts of the
same group and kind go out as one message per channel.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from colloquy.monitoring.alerts.channels import Channel, FiredAlert, Notification, build_channel
from colloquy.monitoring.alerts.delivery import DeliveryOutcome, deliver
from colloquy.monitoring.alerts.rules import Aggregate, AlertConfig, AlertRule
from colloquy.storage.alerts import (
    AlertRecord,
    AlertRepository,
    DeliveryKind,
    DeliveryStatus,
)


@dataclass(frozen=True, slots=True)
class MetricPoint:
    """One observed value of a named metric (a drift score, a share, a latency)."""

    metric: str
    at: datetime
    value: float


class RuleStatus(StrEnum):
    OK = "ok"
    NO_DATA = "no_data"
    FIRED = "fired"
    SUPPRESSED = "suppressed"
    REPEATED = "repeated"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    rule: str
    status: RuleStatus
    value: float | None
    alert_id: int | None


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    at: datetime
    rules: tuple[RuleOutcome, ...]
    deliveries: tuple[DeliveryOutcome, ...]

    def status_of(self, rule: str) -> RuleStatus:
        return next(o.status for o in self.rules if o.rule == rule)


def aggregate(rule: AlertRule, points: Sequence[MetricPoint], now: datetime) -> float | None:
    """The rule's value over ``(now - window, now]``; ``None`` for an empty window."""
    inside = sorted((p for p in points if now - rule.window < p.at <= now), key=lambda p: p.at)
    values = [p.value for p in inside]
    if not values:
        return None
    if rule.aggregate is Aggregate.MEAN:
        return statistics.fmean(values)
    if rule.aggregate is Aggregate.MAX:
        return max(values)
    if rule.aggregate is Aggregate.MIN:
        return min(values)
    return values[-1]


class AlertEvaluator:
    """Evaluates a rules file against metric series, with history kept in the store."""

    def __init__(
        self,
        config: AlertConfig,
        repository: AlertRepository,
        *,
        channels: Mapping[str, Channel] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.repository = repository
        self.channels = dict(channels or {})
        for name, settings in config.channels.items():
            self.channels.setdefault(name, build_channel(name, settings))
        self.sleep = sleep

    def evaluate(
        self, series: Mapping[str, Sequence[MetricPoint]], now: datetime
    ) -> EvaluationReport:
        outcomes: list[RuleOutcome] = []
        outbox: dict[tuple[DeliveryKind, str, str], list[FiredAlert]] = defaultdict(list)
        for rule in self.config.rules.values():
            outcome, kind, alert = self._rule(rule, series.get(rule.metric, ()), now)
            outcomes.append(outcome)
            if kind is None or alert is None:
                continue
            targets = rule.escalate_to if kind is DeliveryKind.ESCALATE else rule.channels
            fired = FiredAlert(
                alert_id=alert.id,
                rule=rule.name,
                metric=rule.metric,
                severity=rule.severity.value,
                value=alert.value,
                threshold=rule.threshold,
                comparison=rule.comparison,
                fired_at=alert.fired_at,
            )
            for channel in targets:
                outbox[(kind, rule.group_key, channel)].append(fired)
        deliveries = [
            self._send(kind, group, channel, tuple(alerts), now)
            for (kind, group, channel), alerts in outbox.items()
        ]
        return EvaluationReport(now, tuple(outcomes), tuple(deliveries))

    def _rule(
        self, rule: AlertRule, points: Sequence[MetricPoint], now: datetime
    ) -> tuple[RuleOutcome, DeliveryKind | None, AlertRecord | None]:
        value = aggregate(rule, points, now)
        current = self.repository.open_alert(rule.name)
        if value is None:
            return RuleOutcome(rule.name, RuleStatus.NO_DATA, None, None), None, None
        if not rule.breached(value):
            if current is None:
                return RuleOutcome(rule.name, RuleStatus.OK, value, None), None, None
            self.repository.resolve(current.id, now)
            return RuleOutcome(rule.name, RuleStatus.RESOLVED, value, current.id), None, None
        if current is None:
            alert = self.repository.create(
                rule=rule.name,
                group_key=rule.group_key,
                metric=rule.metric,
                severity=rule.severity.value,
                value=value,
                threshold=rule.threshold,
                at=now,
            )
            return (
                RuleOutcome(rule.name, RuleStatus.FIRED, value, alert.id),
                DeliveryKind.FIRE,
                alert,
            )
        if (
            rule.escalate_after is not None
            and current.acknowledged_at is None
            and current.escalated_at is None
            and now - current.fired_at >= rule.escalate_after
        ):
            alert = self.repository.escalated(current.id, value, now)
            outcome = RuleOutcome(rule.name, RuleStatus.ESCALATED, value, alert.id)
            return outcome, DeliveryKind.ESCALATE, alert
        if now - current.last_notified_at >= rule.suppress:
            alert = self.repository.notified(current.id, value, now)
            outcome = RuleOutcome(rule.name, RuleStatus.REPEATED, value, alert.id)
            return outcome, DeliveryKind.REPEAT, alert
        self.repository.suppressed(current.id, value)
        return RuleOutcome(rule.name, RuleStatus.SUPPRESSED, value, current.id), None, None

    def _send(
        self,
        kind: DeliveryKind,
        group: str,
        channel_name: str,
        alerts: tuple[FiredAlert, ...],
        now: datetime,
    ) -> DeliveryOutcome:
        notification = Notification(kind=kind.value, group=group, alerts=alerts, at=now)
        outcome = deliver(
            self.channels[channel_name],
            notification,
            retries=self.config.retries,
            backoff=self.config.backoff.total_seconds(),
            sleep=self.sleep,
        )
        status = DeliveryStatus.DELIVERED if outcome.delivered else DeliveryStatus.FAILED
        for alert in alerts:
            self.repository.record_delivery(
                alert_id=alert.alert_id,
                channel=channel_name,
                kind=kind,
                status=status,
                attempts=outcome.attempts,
                error=outcome.error,
                at=now,
            )
        return outcome
