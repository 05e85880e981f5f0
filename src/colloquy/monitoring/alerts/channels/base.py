"""What every alert channel implements, and the message it is given.

A channel sends one :class:`Notification` once, raising :class:`ChannelError` on any
failure; retrying, back-off and recording the outcome belong to
:mod:`colloquy.monitoring.alerts.delivery`, so each channel stays a single attempt.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from colloquy.errors import ColloquyError


class ChannelError(ColloquyError):
    """One delivery attempt failed: timeout, refused connection, non-2xx answer."""

    exit_code = 69


@dataclass(frozen=True, slots=True)
class FiredAlert:
    """One alert inside a notification."""

    alert_id: int
    rule: str
    metric: str
    severity: str
    value: float
    threshold: float
    comparison: str
    fired_at: datetime


@dataclass(frozen=True, slots=True)
class Notification:
    """Alerts of one group sent together: ``kind`` is fire, repeat or escalate."""

    kind: str
    group: str
    alerts: tuple[FiredAlert, ...]
    at: datetime

    @property
    def subject(self) -> str:
        worst = max((a.severity for a in self.alerts), key=_SEVERITY_ORDER.index)
        prefix = "ESCALATED " if self.kind == "escalate" else ""
        return f"[colloquy {prefix}{worst}] {self.group}: {len(self.alerts)} alert(s)"

    @property
    def text(self) -> str:
        lines = [self.subject]
        for alert in self.alerts:
            lines.append(
                f"- {alert.rule} (#{alert.alert_id}): {alert.metric} = {alert.value:.4g} "
                f"{alert.comparison} {alert.threshold:g}, since {alert.fired_at.isoformat()}"
            )
        return "\n".join(lines)

    def payload(self) -> dict[str, object]:
        """The JSON body sent to webhooks."""
        return {
            "kind": self.kind,
            "group": self.group,
            "at": self.at.isoformat(),
            "alerts": [
                {
                    "id": a.alert_id,
                    "rule": a.rule,
                    "metric": a.metric,
                    "severity": a.severity,
                    "value": a.value,
                    "threshold": a.threshold,
                    "comparison": a.comparison,
                    "fired_at": a.fired_at.isoformat(),
                }
                for a in self.alerts
            ],
        }


_SEVERITY_ORDER = ["info", "warning", "critical"]


class Channel(ABC):
    """A place alerts are sent to, named in the rules file."""

    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    def send(self, notification: Notification) -> None:
        """Deliver once or raise :class:`ChannelError`."""
