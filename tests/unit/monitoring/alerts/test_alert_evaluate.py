"""Windows and aggregates, resolution and repeats, retries of a flaky channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from colloquy.monitoring.alerts import AlertEvaluator, MetricPoint, RuleStatus
from colloquy.monitoring.alerts.channels import Channel, ChannelError, Notification
from colloquy.monitoring.alerts.delivery import deliver
from colloquy.monitoring.alerts.evaluate import aggregate
from colloquy.monitoring.alerts.rules import AlertConfig, AlertRule
from colloquy.storage import Store
from colloquy.storage.alerts import AlertRepository, AlertState

NOW = datetime(2026, 6, 10, tzinfo=UTC)


class FlakyChannel(Channel):
    """Refuses the first ``failures`` messages, then accepts: a receiver coming back up."""

    def __init__(self, failures: int) -> None:
        super().__init__("flaky")
        self.failures = failures
        self.received: list[Notification] = []

    def send(self, notification: Notification) -> None:
        if self.failures:
            self.failures -= 1
            raise ChannelError("flaky answered HTTP 503")
        self.received.append(notification)


def _rule(**overrides: object) -> AlertRule:
    fields: dict[str, object] = {
        "name": "r",
        "metric": "m",
        "threshold": 1.0,
        "channels": ("flaky",),
        **overrides,
    }
    return AlertRule.model_validate(fields)


def _points(*values: float) -> list[MetricPoint]:
    return [
        MetricPoint("m", NOW - timedelta(hours=len(values) - i - 1), v)
        for i, v in enumerate(values)
    ]


@pytest.mark.parametrize(
    ("how", "expected"), [("last", 3.0), ("mean", 2.0), ("max", 3.0), ("min", 1.0)]
)
def test_aggregate_over_the_window(how: str, expected: float) -> None:
    rule = _rule(window="3h", aggregate=how)
    assert (
        aggregate(rule, [MetricPoint("m", NOW - timedelta(hours=5), 99.0), *_points(1, 2, 3)], NOW)
        == expected
    )


def test_empty_window_is_no_data() -> None:
    assert aggregate(_rule(window="1h"), _points(5, 5, 5)[:1], NOW) is None


def test_backoff_doubles_and_failure_is_returned_not_raised() -> None:
    waits: list[float] = []
    channel = FlakyChannel(failures=5)
    note = Notification(kind="fire", group="g", alerts=(), at=NOW)
    outcome = deliver(channel, note, retries=2, backoff=0.5, sleep=waits.append)
    assert (outcome.delivered, outcome.attempts, waits) == (False, 3, [0.5, 1.0])
    assert outcome.error == "flaky answered HTTP 503"
    outcome = deliver(FlakyChannel(failures=1), note, retries=2, backoff=0.5, sleep=waits.append)
    assert (outcome.delivered, outcome.attempts) == (True, 2)


def test_resolve_then_fire_again_and_repeat_after_suppression(tmp_path: Path) -> None:
    config = AlertConfig.model_validate(
        {
            "channels": {"flaky": {"type": "log"}},
            "rules": {
                "r": {"metric": "m", "threshold": 1.0, "channels": ["flaky"], "suppress": "2h"}
            },
        }
    )
    channel = FlakyChannel(failures=0)
    with Store.open(f"sqlite:///{tmp_path / 's.db'}") as store:
        repository = AlertRepository(store)
        evaluator = AlertEvaluator(config, repository, channels={"flaky": channel})
        seen = []
        for hour, value in enumerate([2, 2, 2, 0, 2]):
            at = NOW + timedelta(hours=hour)
            seen.append(evaluator.evaluate({"m": [MetricPoint("m", at, value)]}, at).status_of("r"))
        assert seen == [
            RuleStatus.FIRED,
            RuleStatus.SUPPRESSED,
            RuleStatus.REPEATED,
            RuleStatus.RESOLVED,
            RuleStatus.FIRED,
        ]
        assert [n.kind for n in channel.received] == ["fire", "repeat", "fire"]
        history = repository.history()
        assert [a.state for a in history] == [AlertState.OPEN, AlertState.RESOLVED]
        assert evaluator.evaluate({}, NOW + timedelta(hours=9)).status_of("r") is RuleStatus.NO_DATA
