"""Alert history: every alert fired, each delivery attempt's outcome, acknowledgements.

An alert row stays ``open`` while its rule is breached and becomes ``resolved`` when the
metric recovers; the evaluator finds the open row of a rule to decide between suppressing,
repeating and escalating. Deliveries are kept per channel with their final status, so a
webhook that answered 500 shows as ``failed`` (with the error and attempt count) instead
of disappearing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)

from colloquy.errors import NotFoundError
from colloquy.schema.conversation import MAX_NAME_LENGTH
from colloquy.storage.tables import metadata

if TYPE_CHECKING:
    from colloquy.storage.store import Store

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rule", String(MAX_NAME_LENGTH), nullable=False),
    Column("group_key", String(MAX_NAME_LENGTH), nullable=False),
    Column("metric", String(MAX_NAME_LENGTH), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("state", String(20), nullable=False),
    Column("value", Float, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("fired_at", DateTime(timezone=True), nullable=False),
    Column("last_notified_at", DateTime(timezone=True), nullable=False),
    Column("escalated_at", DateTime(timezone=True), nullable=True),
    Column("acknowledged_at", DateTime(timezone=True), nullable=True),
    Column("acknowledged_by", String(MAX_NAME_LENGTH), nullable=True),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("suppressed", Integer, nullable=False),
    Index("ix_alerts_rule_state", "rule", "state"),
)

alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(MAX_NAME_LENGTH), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("error", Text, nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_alert_deliveries_alert", "alert_id"),
)


class AlertState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class DeliveryKind(StrEnum):
    """Why a message went out: first firing, a repeat after suppression, an escalation."""

    FIRE = "fire"
    REPEAT = "repeat"
    ESCALATE = "escalate"


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class AlertRecord:
    id: int
    rule: str
    group_key: str
    metric: str
    severity: str
    state: AlertState
    value: float
    threshold: float
    fired_at: datetime
    last_notified_at: datetime
    escalated_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    suppressed: int


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    id: int
    alert_id: int
    channel: str
    kind: DeliveryKind
    status: DeliveryStatus
    attempts: int
    error: str | None
    at: datetime


def _utc(value: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; every datetime here is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _required(value: datetime | None) -> datetime:
    result = _utc(value)
    assert result is not None
    return result


def _alert(row: Row[Any]) -> AlertRecord:
    return AlertRecord(
        id=row.id,
        rule=row.rule,
        group_key=row.group_key,
        metric=row.metric,
        severity=row.severity,
        state=AlertState(row.state),
        value=row.value,
        threshold=row.threshold,
        fired_at=_required(row.fired_at),
        last_notified_at=_required(row.last_notified_at),
        escalated_at=_utc(row.escalated_at),
        acknowledged_at=_utc(row.acknowledged_at),
        acknowledged_by=row.acknowledged_by,
        resolved_at=_utc(row.resolved_at),
        suppressed=row.suppressed,
    )


def _delivery(row: Row[Any]) -> DeliveryRecord:
    return DeliveryRecord(
        id=row.id,
        alert_id=row.alert_id,
        channel=row.channel,
        kind=DeliveryKind(row.kind),
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        error=row.error,
        at=_required(row.at),
    )


class AlertRepository:
    """Reads and writes alert history in one store, one transaction per call."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def open_alert(self, rule: str) -> AlertRecord | None:
        """The rule's alert that has not resolved yet, if any."""
        query = (
            select(alerts)
            .where(alerts.c.rule == rule, alerts.c.state == AlertState.OPEN.value)
            .order_by(alerts.c.id.desc())
            .limit(1)
        )
        with self.store.transaction() as conn:
            row = conn.execute(query).first()
        return None if row is None else _alert(row)

    def create(
        self,
        *,
        rule: str,
        group_key: str,
        metric: str,
        severity: str,
        value: float,
        threshold: float,
        at: datetime,
    ) -> AlertRecord:
        with self.store.transaction() as conn:
            new_id = conn.execute(
                insert(alerts).values(
                    rule=rule,
                    group_key=group_key,
                    metric=metric,
                    severity=severity,
                    state=AlertState.OPEN.value,
                    value=value,
                    threshold=threshold,
                    fired_at=at,
                    last_notified_at=at,
                    suppressed=0,
                )
            ).inserted_primary_key
        assert new_id is not None
        return self.get(int(new_id[0]))

    def get(self, alert_id: int) -> AlertRecord:
        with self.store.transaction() as conn:
            row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()
        if row is None:
            raise NotFoundError(
                f"no alert with id {alert_id}", hint="`colloquy alerts list` shows the ids"
            )
        return _alert(row)

    def _update(self, alert_id: int, **values: object) -> AlertRecord:
        with self.store.transaction() as conn:
            conn.execute(update(alerts).where(alerts.c.id == alert_id).values(**values))
        return self.get(alert_id)

    def suppressed(self, alert_id: int, value: float) -> AlertRecord:
        with self.store.transaction() as conn:
            conn.execute(
                update(alerts)
                .where(alerts.c.id == alert_id)
                .values(suppressed=alerts.c.suppressed + 1, value=value)
            )
        return self.get(alert_id)

    def notified(self, alert_id: int, value: float, at: datetime) -> AlertRecord:
        return self._update(alert_id, last_notified_at=at, value=value)

    def escalated(self, alert_id: int, value: float, at: datetime) -> AlertRecord:
        return self._update(alert_id, escalated_at=at, value=value)

    def resolve(self, alert_id: int, at: datetime) -> AlertRecord:
        return self._update(alert_id, state=AlertState.RESOLVED.value, resolved_at=at)

    def acknowledge(self, alert_id: int, by: str, at: datetime | None = None) -> AlertRecord:
        """Mark an alert seen: it is no longer escalated (a no-op if already acknowledged)."""
        current = self.get(alert_id)
        if current.acknowledged_at is not None:
            return current
        return self._update(alert_id, acknowledged_at=at or datetime.now(UTC), acknowledged_by=by)

    def record_delivery(
        self,
        *,
        alert_id: int,
        channel: str,
        kind: DeliveryKind,
        status: DeliveryStatus,
        attempts: int,
        error: str | None,
        at: datetime,
    ) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                insert(alert_deliveries).values(
                    alert_id=alert_id,
                    channel=channel,
                    kind=kind.value,
                    status=status.value,
                    attempts=attempts,
                    error=error,
                    at=at,
                )
            )

    def history(
        self, *, state: AlertState | None = None, unacknowledged: bool = False, limit: int = 100
    ) -> list[AlertRecord]:
        """Newest first."""
        query = select(alerts).order_by(alerts.c.id.desc()).limit(limit)
        if state is not None:
            query = query.where(alerts.c.state == state.value)
        if unacknowledged:
            query = query.where(alerts.c.acknowledged_at.is_(None))
        with self.store.transaction() as conn:
            return [_alert(row) for row in conn.execute(query)]

    def deliveries(self, alert_id: int | None = None) -> list[DeliveryRecord]:
        """Oldest first."""
        query = select(alert_deliveries).order_by(alert_deliveries.c.id)
        if alert_id is not None:
            query = query.where(alert_deliveries.c.alert_id == alert_id)
        with self.store.transaction() as conn:
            return [_delivery(row) for row in conn.execute(query)]
