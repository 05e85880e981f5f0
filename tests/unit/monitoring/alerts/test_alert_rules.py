"""Rules files: valid ones load, invalid ones fail with the file, line and key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from colloquy.errors import ConfigError
from colloquy.monitoring.alerts import load_alert_config
from colloquy.monitoring.alerts.rules import parse_duration

VALID = """\
channels:
  log: {type: log}
  hook: {type: webhook, url: "http://127.0.0.1:9/x", secret: k}
rules:
  psi:
    metric: drift.psi
    threshold: 0.2
    window: 6h
    aggregate: max
    channels: [log]
    escalate_after: 2d
    escalate_to: [hook]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    return path


def test_valid_file_loads(tmp_path: Path) -> None:
    config = load_alert_config(_write(tmp_path, VALID))
    rule = config.rules["psi"]
    assert rule.name == "psi"
    assert (rule.window, rule.escalate_after, rule.suppress) == (
        timedelta(hours=6),
        timedelta(days=2),
        timedelta(days=1),
    )
    assert rule.breached(0.2)
    assert not rule.breached(0.19)


@pytest.mark.parametrize(
    ("old", "new", "needles"),
    [
        ("threshold: 0.2", "threshold: high", ("rules.yaml:7", "rules.psi.threshold")),
        ("window: 6h", "window: soon", ("rules.yaml:8", "rules.psi.window", "duration")),
        ("channels: [log]", "channels: [pager]", ("unknown channel", "pager")),
        ("escalate_to: [hook]", "escalate_to: []", ("escalate_after and escalate_to",)),
        ("type: log", "type: carrier-pigeon", ("rules.yaml:2", "type")),
        ("aggregate: max", "aggregat: max", ("aggregat",)),
    ],
)
def test_invalid_values_name_file_line_and_key(
    tmp_path: Path, old: str, new: str, needles: tuple[str, ...]
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_alert_config(_write(tmp_path, VALID.replace(old, new)))
    message = caught.value.one_line()
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("15m", 900), ("1.5h", 5400), ("2d", 172800), (30, 30)]
)
def test_durations(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


def test_bad_duration_says_the_format() -> None:
    with pytest.raises(ValueError, match="90s, 15m, 6h or 2d"):
        parse_duration("3 weeks")
