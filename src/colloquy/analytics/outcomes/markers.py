"""Whether one conversation was resolved, escalated, converted — and what says so.

Explicit markers win: a boolean ``resolved`` or ``escalated`` label (users' own data) or
the ``Outcome`` record (``converted``: a deal, a donation). Without a resolution label,
conversations whose acts annotate a task (SGD: the user's ``INFORM_INTENT`` and the
system's ``NOTIFY_SUCCESS`` / ``NOTIFY_FAILURE``) are judged by the acts (an unrecovered
``NOTIFY_FAILURE``, :class:`~colloquy.analytics.failures.AnnotatedGoalDetector`); other
acts (CraigslistBargain's ``OFFER`` / ``ACCEPT``) say nothing about a support goal, so
those conversations and plain transcripts go to the text-only goal detector. Without an
escalation label, the text-only escalation detector decides. ``*_from`` records which,
so a rate mixing sources is visible as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from colloquy.analytics.failures import (
    AnnotatedGoalDetector,
    EscalationDetector,
    FailureDetector,
    FailureType,
    TextGoalDetector,
)
from colloquy.errors import DataError, UsageError
from colloquy.schema import Conversation

RESOLVED_LABEL = "resolved"
ESCALATED_LABEL = "escalated"
GOAL_ACTS = frozenset({"INFORM_INTENT", "NOTIFY_SUCCESS", "NOTIFY_FAILURE"})
"""Acts that annotate a task and its result, so the acts can say whether it succeeded."""


class MarkerSource(StrEnum):
    """Where a resolved/escalated verdict came from."""

    LABEL = "label"
    ACTS = "acts"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class ConversationOutcome:
    """The outcome facts of one conversation, ready to aggregate and bucket."""

    conversation_id: str
    day: date | None
    intent: str | None
    resolved: bool
    resolved_from: MarkerSource
    escalated: bool
    escalated_from: MarkerSource
    converted: bool | None
    """``None`` when the conversation records no outcome (no conversion to speak of)."""


class OutcomeJudge:
    """Decides resolved and escalated for a conversation, from markers or failure detectors."""

    def __init__(
        self,
        text_goal: FailureDetector | None = None,
        escalation: FailureDetector | None = None,
    ) -> None:
        self.acts_goal = AnnotatedGoalDetector()
        self.text_goal = text_goal if text_goal is not None else TextGoalDetector()
        self.escalation = escalation if escalation is not None else EscalationDetector()
        _expect(self.text_goal, FailureType.GOAL_NOT_COMPLETED, "text_goal")
        _expect(self.escalation, FailureType.ESCALATION, "escalation")

    def resolved(self, conversation: Conversation) -> tuple[bool, MarkerSource]:
        label = _bool_label(conversation, RESOLVED_LABEL)
        if label is not None:
            return label, MarkerSource.LABEL
        if any(act.act in GOAL_ACTS for turn in conversation.turns for act in turn.dialogue_acts):
            return not self.acts_goal.detect(conversation), MarkerSource.ACTS
        return not self.text_goal.detect(conversation), MarkerSource.TEXT

    def escalated(self, conversation: Conversation) -> tuple[bool, MarkerSource]:
        label = _bool_label(conversation, ESCALATED_LABEL)
        if label is not None:
            return label, MarkerSource.LABEL
        return bool(self.escalation.detect(conversation)), MarkerSource.TEXT

    def judge(
        self, conversation: Conversation, day: date | None, intent: str | None
    ) -> ConversationOutcome:
        resolved, resolved_from = self.resolved(conversation)
        escalated, escalated_from = self.escalated(conversation)
        outcome = conversation.outcome
        return ConversationOutcome(
            conversation_id=conversation.id,
            day=day,
            intent=intent,
            resolved=resolved,
            resolved_from=resolved_from,
            escalated=escalated,
            escalated_from=escalated_from,
            converted=None if outcome is None else outcome.converted,
        )


def _expect(detector: FailureDetector, kind: FailureType, role: str) -> None:
    if detector.failure_type is not kind:
        raise UsageError(
            f"{role} detector {detector.name!r} finds {detector.failure_type.value}; "
            f"give one that finds {kind.value}"
        )


def _bool_label(conversation: Conversation, key: str) -> bool | None:
    if key not in conversation.labels:
        return None
    value = conversation.labels[key]
    if not isinstance(value, bool):
        raise DataError(
            f"conversation {conversation.id!r}: label {key!r} is {value!r}; "
            "it must be true or false"
        )
    return value
