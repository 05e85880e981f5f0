"""Goal not completed, read from dialogue acts (SGD and any source with the same acts).

Ground truth for the text-only detector: in SGD every transactional request ends with the
system's ``NOTIFY_SUCCESS`` or ``NOTIFY_FAILURE``, and a failure the system recovers from
(it offers another time, the user accepts, the booking succeeds) is followed by a
``NOTIFY_SUCCESS``. So a dialogue did not complete its goal when its last ``NOTIFY_FAILURE``
comes after its last ``NOTIFY_SUCCESS`` (or there is no success at all).
"""

from __future__ import annotations

from colloquy.analytics.failures.base import FailureDetector
from colloquy.analytics.failures.records import FailurePoint, FailureType
from colloquy.schema import Conversation

FAILURE_ACT = "NOTIFY_FAILURE"
SUCCESS_ACT = "NOTIFY_SUCCESS"


def _last_turn_with(conversation: Conversation, act: str) -> int:
    """Position of the last turn carrying ``act``, or -1."""
    found = -1
    for position, turn in enumerate(conversation.turns):
        if any(dialogue_act.act == act for dialogue_act in turn.dialogue_acts):
            found = position
    return found


def goal_not_completed(conversation: Conversation) -> bool:
    """Whether the acts say the goal failed: an unrecovered ``NOTIFY_FAILURE``."""
    failure = _last_turn_with(conversation, FAILURE_ACT)
    return failure >= 0 and failure > _last_turn_with(conversation, SUCCESS_ACT)


class AnnotatedGoalDetector(FailureDetector):
    """Goal not completed from the acts; finds nothing in conversations without acts."""

    failure_type = FailureType.GOAL_NOT_COMPLETED
    name = "goal-acts"

    def detect(self, conversation: Conversation) -> tuple[FailurePoint, ...]:
        if not goal_not_completed(conversation):
            return ()
        turn = conversation.turns[_last_turn_with(conversation, FAILURE_ACT)]
        return (
            FailurePoint(
                type=self.failure_type,
                turn_index=turn.index,
                confidence=1.0,
                example=turn.text,
                detector=self.name,
            ),
        )
