"""Alert rules and channel settings, read from one YAML file.

A rule compares one metric, aggregated over a trailing window, with a threshold. Its
``suppress`` window stops the same alert from being sent again while it stays breached
(the cry-wolf problem), and ``escalate_after`` sends it to the escalation channels when
nobody acknowledged it in time. Durations are written ``90s``, ``15m``, ``6h`` or ``2d``.
Validation goes through :func:`colloquy.config.load_yaml_model`, so a bad value is
reported with its file, line and key.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(value: object) -> timedelta:
    """``"15m"`` -> 15 minutes; a bare number is seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=float(value))
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
    raise ValueError(f"expected a duration such as 90s, 15m, 6h or 2d, got {value!r}")


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Aggregate(StrEnum):
    """How the points inside a rule's window become the one value compared."""

    LAST = "last"
    MEAN = "mean"
    MAX = "max"
    MIN = "min"


Comparison = Literal[">", ">=", "<", "<="]
COMPARATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogChannelConfig(_Strict):
    type: Literal["log"]


class WebhookChannelConfig(_Strict):
    type: Literal["webhook"]
    url: str = Field(pattern=r"^https?://")
    secret: str | None = None
    """Key for the ``X-Colloquy-Signature`` HMAC-SHA256 header; unsigned when absent."""
    timeout: Duration = timedelta(seconds=5)


class SlackChannelConfig(_Strict):
    type: Literal["slack"]
    url: str = Field(pattern=r"^https?://")
    timeout: Duration = timedelta(seconds=5)


class EmailChannelConfig(_Strict):
    type: Literal["email"]
    host: str
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    recipients: tuple[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")], ...] = Field(
        min_length=1
    )
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: Duration = timedelta(seconds=10)


ChannelConfig = Annotated[
    LogChannelConfig | WebhookChannelConfig | SlackChannelConfig | EmailChannelConfig,
    Field(discriminator="type"),
]


class AlertRule(_Strict):
    """One rule; its ``name`` is its key under ``rules:`` in the file."""

    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:-]+$")
    metric: str = Field(min_length=1)
    threshold: float
    comparison: Comparison = ">="
    window: Duration = timedelta(days=1)
    aggregate: Aggregate = Aggregate.LAST
    severity: Severity = Severity.WARNING
    group: str | None = None
    """Alerts of one group firing in the same evaluation go out as one message."""
    channels: tuple[str, ...] = Field(min_length=1)
    suppress: Duration = timedelta(hours=24)
    escalate_after: Duration | None = None
    escalate_to: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _escalation_complete(self) -> AlertRule:
        if (self.escalate_after is None) != (not self.escalate_to):
            raise ValueError("escalate_after and escalate_to must be given together")
        return self

    def breached(self, value: float) -> bool:
        return COMPARATORS[self.comparison](value, self.threshold)

    @property
    def group_key(self) -> str:
        return self.group or self.name


class AlertConfig(_Strict):
    """The whole rules file: named channels, then the rules that send to them."""

    channels: dict[str, ChannelConfig] = Field(min_length=1)
    retries: int = Field(default=3, ge=0, le=10)
    """Extra attempts per delivery after the first, with doubling back-off."""
    backoff: Duration = timedelta(seconds=1)
    rules: dict[str, AlertRule] = Field(min_length=1)
    """Rules by name: a mapping, so names are unique and every error has an exact line."""

    @model_validator(mode="before")
    @classmethod
    def _named(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("rules"), dict):
            named = {
                key: {**value, "name": key} if isinstance(value, dict) else value
                for key, value in data["rules"].items()
            }
            return {**data, "rules": named}
        return data

    @model_validator(mode="after")
    def _known_channels(self) -> AlertConfig:
        for rule in self.rules.values():
            unknown = [c for c in (*rule.channels, *rule.escalate_to) if c not in self.channels]
            if unknown:
                raise ValueError(
                    f"rule {rule.name!r} names unknown channel(s) {', '.join(unknown)}; "
                    f"defined: {', '.join(self.channels)}"
                )
        return self


def load_alert_config(path: Path | str) -> AlertConfig:
    """Read and validate a rules file; raises :class:`~colloquy.errors.ConfigError`."""
    from colloquy.config import load_yaml_model

    return load_yaml_model(path, AlertConfig)
