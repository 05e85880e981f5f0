"""Alert channels, one per module, built from their YAML settings by :func:`build_channel`."""

from __future__ import annotations

from colloquy.monitoring.alerts.channels.base import (
    Channel,
    ChannelError,
    FiredAlert,
    Notification,
)
from colloquy.monitoring.alerts.rules import (
    ChannelConfig,
    EmailChannelConfig,
    LogChannelConfig,
    SlackChannelConfig,
    WebhookChannelConfig,
)


def build_channel(name: str, config: ChannelConfig) -> Channel:
    """The channel a rules file's ``channels:`` entry describes."""
    if isinstance(config, LogChannelConfig):
        from colloquy.monitoring.alerts.channels.log import LogChannel

        return LogChannel(name)
    if isinstance(config, WebhookChannelConfig):
        from colloquy.monitoring.alerts.channels.webhook import WebhookChannel

        return WebhookChannel(
            name, config.url, secret=config.secret, timeout=config.timeout.total_seconds()
        )
    if isinstance(config, SlackChannelConfig):
        from colloquy.monitoring.alerts.channels.slack import SlackChannel

        return SlackChannel(name, config.url, timeout=config.timeout.total_seconds())
    if isinstance(config, EmailChannelConfig):
        from colloquy.monitoring.alerts.channels.email import EmailChannel

        return EmailChannel(
            name,
            host=config.host,
            port=config.port,
            sender=config.sender,
            recipients=config.recipients,
            starttls=config.starttls,
            username=config.username,
            password=config.password,
            timeout=config.timeout.total_seconds(),
        )
    raise TypeError(f"unknown channel settings {type(config).__name__}")


__all__ = ["Channel", "ChannelError", "FiredAlert", "Notification", "build_channel"]
