"""Running detectors over a dataset and ranking failure types by how often they occur."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from colloquy.analytics.failures.base import FailureDetector
from colloquy.analytics.failures.records import (
    ConversationFailures,
    FailureRank,
    FailureRanking,
    FailureType,
)
from colloquy.schema import Conversation


def detect_failures(
    conversation: Conversation, detectors: Sequence[FailureDetector]
) -> ConversationFailures:
    """Every detector's failure points for one conversation, in turn order."""
    points = [point for detector in detectors for point in detector.detect(conversation)]
    points.sort(key=lambda point: (point.turn_index, point.type.value))
    return ConversationFailures(conversation_id=conversation.id, points=tuple(points))


def rank_failures(results: Iterable[ConversationFailures]) -> FailureRanking:
    """Failure types ordered by the number of conversations they affect (then points).

    Types no conversation shows are left out; ``share`` is over all conversations given.
    """
    total = 0
    points: dict[FailureType, int] = {}
    conversations: dict[FailureType, int] = {}
    examples: dict[FailureType, tuple[float, str]] = {}
    for result in results:
        total += 1
        for kind in {point.type for point in result.points}:
            conversations[kind] = conversations.get(kind, 0) + 1
        for point in result.points:
            points[point.type] = points.get(point.type, 0) + 1
            best = examples.get(point.type)
            if best is None or point.confidence > best[0]:
                examples[point.type] = (point.confidence, point.example)
    ranks = [
        FailureRank(
            type=kind,
            points=points[kind],
            conversations=conversations[kind],
            share=conversations[kind] / total,
            example=examples[kind][1],
        )
        for kind in conversations
    ]
    ranks.sort(key=lambda rank: (-rank.conversations, -rank.points, rank.type.value))
    return FailureRanking(conversations=total, ranks=tuple(ranks))
