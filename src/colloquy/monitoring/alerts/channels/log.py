"""The log channel: alerts become structured log lines (always available, never fails)."""

from __future__ import annotations

from colloquy.logging import get_logger
from colloquy.monitoring.alerts.channels.base import Channel, Notification


class LogChannel(Channel):
    def send(self, notification: Notification) -> None:
        log = get_logger("colloquy.alerts")
        for alert in notification.alerts:
            log.warning(
                "alert." + notification.kind,
                channel=self.name,
                group=notification.group,
                rule=alert.rule,
                alert_id=alert.alert_id,
                metric=alert.metric,
                severity=alert.severity,
                value=alert.value,
                threshold=alert.threshold,
            )
