"""Hand-built conversations for the outcome-metric tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from colloquy.schema import Conversation


def conv(
    cid: str,
    *turns: tuple[str, str],
    started: str | None = None,
    channel: str = "chat",
    source: str = "test",
    labels: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    converted: bool | None = None,
    acts: dict[int, list[str]] | None = None,
    intents: dict[int, str] | None = None,
) -> Conversation:
    """A conversation from ``(speaker, text)`` pairs and the conversation-level fields."""
    built = [
        {
            "index": index,
            "speaker": speaker,
            "text": text,
            "dialogue_acts": [{"act": act} for act in (acts or {}).get(index, [])],
            "intent": (intents or {}).get(index),
        }
        for index, (speaker, text) in enumerate(turns)
    ]
    data: dict[str, Any] = {
        "id": cid,
        "source": source,
        "channel": channel,
        "turns": built,
        "labels": labels or {},
        "metadata": metadata or {},
    }
    if started is not None:
        data["started_at"] = datetime.fromisoformat(started)
    if converted is not None:
        data["outcome"] = {"converted": converted}
    return Conversation.parse(data)


Make = Callable[..., Conversation]


@pytest.fixture(scope="session")
def make() -> Make:
    """The :func:`conv` builder (tests take it as a fixture; conftest is not importable)."""
    return conv
