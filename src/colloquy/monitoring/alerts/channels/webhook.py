"""Generic webhook: the notification as JSON, signed with HMAC-SHA256 when a secret is set.

The receiver recomputes ``HMAC-SHA256(secret, timestamp + "." + body)`` and compares it
with ``X-Colloquy-Signature: sha256=<hex>``; the timestamp header lets it refuse replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from colloquy.monitoring.alerts.channels.base import Channel, Notification
from colloquy.monitoring.alerts.channels.http import post_bytes

SIGNATURE_HEADER = "X-Colloquy-Signature"
TIMESTAMP_HEADER = "X-Colloquy-Timestamp"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class WebhookChannel(Channel):
    def __init__(self, name: str, url: str, *, secret: str | None, timeout: float) -> None:
        super().__init__(name)
        self.url = url
        self.secret = secret
        self.timeout = timeout

    def send(self, notification: Notification) -> None:
        body = json.dumps(notification.payload(), sort_keys=True).encode()
        headers: dict[str, str] = {}
        if self.secret is not None:
            timestamp = str(int(time.time()))
            headers[TIMESTAMP_HEADER] = timestamp
            headers[SIGNATURE_HEADER] = sign(self.secret, timestamp, body)
        post_bytes(self.url, body, timeout=self.timeout, headers=headers)
