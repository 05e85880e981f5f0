"""Outcome metrics over a set of conversations: resolution, escalation, conversion, intents.

:func:`assess_outcomes` filters the conversations and judges each one once;
:func:`summarize_outcomes` and :func:`~colloquy.analytics.outcomes.trends.outcome_trends`
aggregate those judgements, so a report's totals and its trend lines agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from colloquy.analytics.failures import FailureDetector
from colloquy.analytics.outcomes.filters import ConversationFilter, conversation_day
from colloquy.analytics.outcomes.intents import (
    IntentDistribution,
    IntentPredictor,
    intent_distribution,
    resolve_intents,
)
from colloquy.analytics.outcomes.markers import ConversationOutcome, OutcomeJudge
from colloquy.analytics.outcomes.rates import Rate, wilson_rate
from colloquy.schema import Conversation


class OutcomeKind(StrEnum):
    """The rates colloquy reports."""

    RESOLUTION = "resolution"
    ESCALATION = "escalation"
    CONVERSION = "conversion"


@dataclass(frozen=True, slots=True)
class OutcomeMetrics:
    """Rates over the conversations a filter kept.

    ``conversion`` counts only conversations that record an outcome, so its ``n`` may be
    smaller than ``conversations`` (and 0, with no value, for support data).
    """

    conversations: int
    resolution: Rate
    escalation: Rate
    conversion: Rate
    intents: IntentDistribution

    def rate(self, kind: OutcomeKind) -> Rate:
        return {
            OutcomeKind.RESOLUTION: self.resolution,
            OutcomeKind.ESCALATION: self.escalation,
            OutcomeKind.CONVERSION: self.conversion,
        }[kind]


def assess_outcomes(
    conversations: Iterable[Conversation],
    *,
    where: ConversationFilter | None = None,
    intent_predictor: IntentPredictor | None = None,
    judge: OutcomeJudge | None = None,
) -> tuple[ConversationOutcome, ...]:
    """The outcome of every conversation the filter keeps, in input order."""
    where = where if where is not None else ConversationFilter()
    judge = judge if judge is not None else OutcomeJudge()
    kept = [conversation for conversation in conversations if where.matches_record(conversation)]
    intents = resolve_intents(kept, intent_predictor)
    return tuple(
        judge.judge(conversation, conversation_day(conversation), intent)
        for conversation, intent in zip(kept, intents, strict=True)
        if where.matches_intent(intent)
    )


def outcome_rate(outcomes: Sequence[ConversationOutcome], kind: OutcomeKind) -> Rate:
    """One rate over judged conversations (conversion over those with an outcome)."""
    if kind is OutcomeKind.RESOLUTION:
        return wilson_rate(sum(o.resolved for o in outcomes), len(outcomes))
    if kind is OutcomeKind.ESCALATION:
        return wilson_rate(sum(o.escalated for o in outcomes), len(outcomes))
    known = [o.converted for o in outcomes if o.converted is not None]
    return wilson_rate(sum(known), len(known))


def summarize_outcomes(outcomes: Sequence[ConversationOutcome]) -> OutcomeMetrics:
    """The dataset-level rates and intent distribution of judged conversations."""
    return OutcomeMetrics(
        conversations=len(outcomes),
        resolution=outcome_rate(outcomes, OutcomeKind.RESOLUTION),
        escalation=outcome_rate(outcomes, OutcomeKind.ESCALATION),
        conversion=outcome_rate(outcomes, OutcomeKind.CONVERSION),
        intents=intent_distribution([o.intent for o in outcomes]),
    )


def outcome_metrics(
    conversations: Iterable[Conversation],
    *,
    where: ConversationFilter | None = None,
    intent_predictor: IntentPredictor | None = None,
    text_goal: FailureDetector | None = None,
    escalation: FailureDetector | None = None,
) -> OutcomeMetrics:
    """Resolution, escalation and conversion rates and intents of the filtered conversations."""
    judge = OutcomeJudge(text_goal=text_goal, escalation=escalation)
    return summarize_outcomes(
        assess_outcomes(conversations, where=where, intent_predictor=intent_predictor, judge=judge)
    )
