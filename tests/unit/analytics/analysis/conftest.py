"""Hand-built conversations for the analysis-engine tests, and one VADER runtime."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from colloquy.analytics.analysis import AnalysisRuntime
from colloquy.schema import Conversation

START = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)


def build(
    cid: str,
    *turns: tuple[str, str],
    seconds: tuple[float, ...] | None = None,
    day: int = 0,
    source: str = "test",
    channel: str = "chat",
    metadata: dict[str, Any] | None = None,
    labels: dict[str, Any] | None = None,
    converted: bool | None = None,
    acts: dict[int, list[str]] | None = None,
    intents: dict[int, str] | None = None,
) -> Conversation:
    """A conversation from ``(speaker, text)`` pairs; ``seconds`` times the turns from
    ``START`` plus ``day`` days (untimed when ``None``)."""
    base = START + timedelta(days=day)
    data: dict[str, Any] = {
        "id": cid,
        "source": source,
        "channel": channel,
        "metadata": metadata or {},
        "labels": labels or {},
        "turns": [
            {
                "index": index,
                "speaker": speaker,
                "text": text,
                "timestamp": None if seconds is None else base + timedelta(seconds=seconds[index]),
                "dialogue_acts": [{"act": act} for act in (acts or {}).get(index, [])],
                "intent": (intents or {}).get(index),
            }
            for index, (speaker, text) in enumerate(turns)
        ],
    }
    if seconds is not None:
        data["started_at"] = base
    if converted is not None:
        data["outcome"] = {"converted": converted}
    return Conversation.parse(data)


Build = Callable[..., Conversation]


@pytest.fixture(scope="session")
def make() -> Build:
    return build


@pytest.fixture(scope="session")
def runtime() -> AnalysisRuntime:
    """Default options: VADER, every detector but repetition (loaded once)."""
    return AnalysisRuntime()
