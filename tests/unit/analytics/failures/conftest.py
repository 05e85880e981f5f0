"""Hand-built conversations for the failure-point tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from colloquy.schema import Conversation

TurnSpec = tuple[str, str] | tuple[str, str, list[str]]
Builder = Callable[..., Conversation]


def build_conversation(*turns: TurnSpec) -> Conversation:
    """A conversation from ``(speaker, text)`` or ``(speaker, text, acts)`` tuples."""
    built: list[dict[str, Any]] = []
    for index, turn in enumerate(turns):
        acts = turn[2] if len(turn) == 3 else []
        built.append(
            {
                "index": index,
                "speaker": turn[0],
                "text": turn[1],
                "dialogue_acts": [{"act": act} for act in acts],
            }
        )
    return Conversation.parse({"id": "c1", "source": "test", "turns": built})


@pytest.fixture(scope="session")
def make() -> Builder:
    return build_conversation


@pytest.fixture(scope="session")
def failed() -> Conversation:
    return build_conversation(
        ("customer", "Book a table for two at 7 pm please."),
        ("bot", "Sorry, I couldn't make that reservation. Anything else?", ["NOTIFY_FAILURE"]),
        ("customer", "No, thanks.", ["THANK_YOU"]),
        ("bot", "Goodbye.", ["GOODBYE"]),
    )


@pytest.fixture(scope="session")
def recovered() -> Conversation:
    return build_conversation(
        ("customer", "Book a table for two at 7 pm please."),
        ("bot", "Sorry, I was unable to book 7 pm. How about 7:30 pm?", ["NOTIFY_FAILURE"]),
        ("customer", "Yes, 7:30 works."),
        ("bot", "Your table has been booked.", ["NOTIFY_SUCCESS"]),
        ("bot", "Goodbye.", ["GOODBYE"]),
    )


@pytest.fixture(scope="session")
def succeeded() -> Conversation:
    return build_conversation(
        ("customer", "Transfer $20 to Anna."),
        ("bot", "I've transferred the money successfully.", ["NOTIFY_SUCCESS"]),
    )
