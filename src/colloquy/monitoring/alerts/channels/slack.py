"""Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): ``{"text": ...}``."""

from __future__ import annotations

from colloquy.monitoring.alerts.channels.base import Channel, Notification
from colloquy.monitoring.alerts.channels.http import post_json


class SlackChannel(Channel):
    def __init__(self, name: str, url: str, *, timeout: float) -> None:
        super().__init__(name)
        self.url = url
        self.timeout = timeout

    def send(self, notification: Notification) -> None:
        post_json(self.url, {"text": notification.text}, timeout=self.timeout)
