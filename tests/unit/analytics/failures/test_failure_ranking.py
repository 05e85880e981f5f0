from __future__ import annotations

from collections.abc import Callable

import pytest

from colloquy.analytics.failures import (
    ConversationFailures,
    FailurePoint,
    FailureType,
    detect_failures,
    rank_failures,
    text_only_detectors,
)
from colloquy.errors import UsageError
from colloquy.schema import Conversation

Builder = Callable[..., Conversation]


def _point(kind: FailureType, turn: int = 0, confidence: float = 0.5) -> FailurePoint:
    return FailurePoint(kind, turn, confidence, f"{kind.value} at {turn}", "test")


def test_failure_point_checks_its_fields() -> None:
    with pytest.raises(UsageError):
        _point(FailureType.LOOP, turn=-1)
    with pytest.raises(UsageError):
        _point(FailureType.LOOP, confidence=1.5)


def test_rank_orders_by_conversations_affected_then_points() -> None:
    results = [
        ConversationFailures("a", (_point(FailureType.LOOP, 1), _point(FailureType.LOOP, 3))),
        ConversationFailures("b", (_point(FailureType.ESCALATION, 2, 0.9),)),
        ConversationFailures("c", (_point(FailureType.ESCALATION, 1, 0.6),)),
        ConversationFailures("d", ()),
    ]
    ranking = rank_failures(results)
    assert ranking.conversations == 4
    assert [(r.type, r.conversations, r.points) for r in ranking.ranks] == [
        (FailureType.ESCALATION, 2, 2),
        (FailureType.LOOP, 1, 2),
    ]
    assert ranking.ranks[0].share == 0.5
    assert ranking.ranks[0].example == "escalation at 2"


def test_detect_failures_runs_every_detector_in_turn_order(make: Builder) -> None:
    chat = make(
        ("customer", "Book me a table for 4 tonight."),
        ("agent", "Sorry, I couldn't book that table."),
        ("customer", "That's not what I asked, let me talk to a manager."),
        ("agent", "Would you like another time?"),
    )
    result = detect_failures(chat, text_only_detectors())
    assert result.conversation_id == "c1"
    assert [(p.turn_index, p.type) for p in result.points] == [
        (1, FailureType.GOAL_NOT_COMPLETED),
        (2, FailureType.CORRECTION),
        (2, FailureType.ESCALATION),
        (3, FailureType.ABANDONMENT),
    ]
    assert result.has(FailureType.CORRECTION)
    assert not result.has(FailureType.LOOP)
