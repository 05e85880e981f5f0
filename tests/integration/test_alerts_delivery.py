"""The alert scenario end to end: a real HTTP receiver, a real SMTP server, a real store.

Days 1-4 are quiet, day 5 shifts and stays shifted: the alert fires once on day 5 (webhook
and Slack-compatible receiver), is suppressed on day 6, and escalates by email on day 7
because nobody acknowledged it. A webhook that answers 500 or never answers is retried,
then recorded as failed, and the evaluation goes on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from colloquy.monitoring.alerts import AlertEvaluator, MetricPoint, RuleStatus, load_alert_config
from colloquy.storage import Store
from colloquy.storage.alerts import AlertRepository, DeliveryStatus


class Receiver(ThreadingHTTPServer):
    def __init__(self, status: int, delay: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.status = status
        self.delay = delay
        self.received: list[tuple[dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers.items()), body))
        if self.server.delay:
            threading.Event().wait(self.server.delay)
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        return


def _serve(status: int, delay: float = 0.0) -> Iterator[Receiver]:
    server = Receiver(status, delay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def webhook() -> Iterator[Receiver]:
    yield from _serve(200)


@pytest.fixture
def slack() -> Iterator[Receiver]:
    yield from _serve(200)


class Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[object] = []

    def handle_message(self, message: object) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _rules(tmp_path: Path, webhook: str, slack: str, smtp_port: int, retries: int = 2) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(
        f"""
retries: {retries}
backoff: 0.01
channels:
  hook: {{type: webhook, url: "{webhook}", secret: s3cret, timeout: 1}}
  chat: {{type: slack, url: "{slack}", timeout: 1}}
  oncall:
    type: email
    host: 127.0.0.1
    port: {smtp_port}
    sender: colloquy@example.org
    recipients: [oncall@example.org]
rules:
  intent-drift:
    metric: drift.intent.psi
    threshold: 0.2
    window: 1d
    severity: critical
    group: intents
    channels: [hook, chat]
    suppress: 3d
    escalate_after: 2d
    escalate_to: [oncall]
  share-drift:
    metric: drift.share
    threshold: 0.5
    window: 1d
    group: intents
    channels: [hook]
    suppress: 7d
"""
    )
    return path


DAY0 = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _day(n: int) -> datetime:
    return DAY0 + timedelta(days=n)


def _series(days: int) -> dict[str, list[MetricPoint]]:
    psi = [
        MetricPoint("drift.intent.psi", _day(d), 0.05 if d < 5 else 0.4) for d in range(1, days + 1)
    ]
    share = [MetricPoint("drift.share", _day(d), 0.1 if d < 5 else 0.7) for d in range(1, days + 1)]
    return {"drift.intent.psi": psi, "drift.share": share}


def test_fires_once_is_suppressed_then_escalates(
    tmp_path: Path, webhook: Receiver, slack: Receiver, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    config = load_alert_config(_rules(tmp_path, webhook.url, slack.url, port))
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        repository = AlertRepository(store)
        evaluator = AlertEvaluator(config, repository)
        statuses = []
        for day in range(1, 8):
            report = evaluator.evaluate(_series(day), _day(day))
            statuses.append(report.status_of("intent-drift"))
        assert statuses == [RuleStatus.OK] * 4 + [
            RuleStatus.FIRED,
            RuleStatus.SUPPRESSED,
            RuleStatus.ESCALATED,
        ]
        # Day 5: both rules of group "intents" went to the webhook as ONE signed message.
        assert len(webhook.received) == 1
        headers, body = webhook.received[0]
        payload = json.loads(body)
        assert payload["kind"] == "fire"
        assert sorted(a["rule"] for a in payload["alerts"]) == ["intent-drift", "share-drift"]
        expected = hmac.new(
            b"s3cret", headers["X-Colloquy-Timestamp"].encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        assert headers["X-Colloquy-Signature"] == f"sha256={expected}"
        assert len(slack.received) == 1
        assert "intent-drift" in json.loads(slack.received[0][1])["text"]
        # Day 7: escalated by email, once.
        assert len(inbox.messages) == 1
        assert "ESCALATED critical" in str(inbox.messages[0]["Subject"])  # type: ignore[index]
        alert = repository.open_alert("intent-drift")
        assert alert is not None
        assert (alert.fired_at, alert.escalated_at, alert.suppressed) == (_day(5), _day(7), 1)
        kinds = [(d.channel, d.kind.value, d.status) for d in repository.deliveries(alert.id)]
        assert kinds == [
            ("hook", "fire", DeliveryStatus.DELIVERED),
            ("chat", "fire", DeliveryStatus.DELIVERED),
            ("oncall", "escalate", DeliveryStatus.DELIVERED),
        ]


def test_acknowledged_alert_is_not_escalated(
    tmp_path: Path, webhook: Receiver, slack: Receiver, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    config = load_alert_config(_rules(tmp_path, webhook.url, slack.url, port))
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        repository = AlertRepository(store)
        evaluator = AlertEvaluator(config, repository)
        fired = evaluator.evaluate(_series(5), _day(5)).rules[0]
        assert fired.alert_id is not None
        repository.acknowledge(fired.alert_id, "ana", _day(6))
        assert (
            evaluator.evaluate(_series(7), _day(7)).status_of("intent-drift")
            is RuleStatus.SUPPRESSED
        )
        assert inbox.messages == []


@pytest.mark.parametrize(("status", "delay"), [(500, 0.0), (200, 3.0)], ids=["500", "timeout"])
def test_failing_webhook_is_retried_then_recorded_failed(
    tmp_path: Path, slack: Receiver, smtp: tuple[Inbox, int], status: int, delay: float
) -> None:
    _, port = smtp
    for broken in _serve(status, delay):
        config = load_alert_config(_rules(tmp_path, broken.url, slack.url, port, retries=1))
        with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
            repository = AlertRepository(store)
            report = AlertEvaluator(config, repository).evaluate(_series(5), _day(5))
            assert report.status_of("intent-drift") is RuleStatus.FIRED
            assert len(broken.received) == 2  # first attempt + one retry
            failed = [d for d in repository.deliveries() if d.channel == "hook"]
            assert {(d.status, d.attempts) for d in failed} == {(DeliveryStatus.FAILED, 2)}
            reason = "HTTP 500" if status == 500 else "did not answer within 1 s"
            assert all(d.error is not None and reason in d.error for d in failed)
            delivered = [d for d in repository.deliveries() if d.channel == "chat"]
            assert [d.status for d in delivered] == [DeliveryStatus.DELIVERED]


def test_unreachable_smtp_is_recorded_failed(
    tmp_path: Path, webhook: Receiver, slack: Receiver
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    config = load_alert_config(_rules(tmp_path, webhook.url, slack.url, closed_port, retries=1))
    with Store.open(f"sqlite:///{tmp_path / 'store.db'}") as store:
        repository = AlertRepository(store)
        evaluator = AlertEvaluator(config, repository)
        evaluator.evaluate(_series(5), _day(5))
        report = evaluator.evaluate(_series(7), _day(7))
        assert report.status_of("intent-drift") is RuleStatus.ESCALATED
        email = [d for d in repository.deliveries() if d.channel == "oncall"]
        assert len(email) == 1
        assert email[0].status is DeliveryStatus.FAILED
        assert email[0].error is not None
        assert "unreachable" in email[0].error


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_email_logs_in_and_a_refused_login_is_a_channel_error() -> None:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from colloquy.monitoring.alerts.channels import ChannelError, FiredAlert, Notification
    from colloquy.monitoring.alerts.channels.email import EmailChannel

    def authenticate(
        _server: object, _session: object, _envelope: object, _mechanism: str, data: object
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.password == b"right"
        return AuthResult(success=ok)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    try:
        alert = FiredAlert(1, "psi", "drift.psi", "critical", 0.4, 0.2, ">=", _day(5))
        note = Notification(kind="fire", group="g", alerts=(alert,), at=_day(5))

        def channel(password: str) -> EmailChannel:
            return EmailChannel(
                "mail",
                host="127.0.0.1",
                port=port,
                sender="colloquy@example.org",
                recipients=("ops@example.org",),
                starttls=False,
                username="colloquy",
                password=password,
                timeout=5,
            )

        channel("right").send(note)
        assert len(inbox.messages) == 1
        assert "drift.psi = 0.4 >= 0.2" in str(inbox.messages[0])
        with pytest.raises(ChannelError, match="refused the message"):
            channel("wrong").send(note)
    finally:
        controller.stop()
