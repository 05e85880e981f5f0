"""Outcome metrics: resolution, escalation and conversion rates, intents, and their trends.

Rates carry ``n`` and a Wilson 95 % interval; a rate over no conversations is ``None``.
Resolution and escalation come from explicit labels where the data has them, else from the
failure detectors of :mod:`colloquy.analytics.failures`; conversion from ``Outcome``
records (CraigslistBargain deals, PersuasionForGood donations). A
:class:`ConversationFilter` narrows by date, channel, source, brand, intent and speaker;
:func:`outcome_trends` buckets the rates daily or weekly.
"""

from __future__ import annotations

from colloquy.analytics.outcomes.filters import (
    FILTER_KEYS,
    ConversationFilter,
    conversation_brand,
    conversation_day,
)
from colloquy.analytics.outcomes.intents import (
    IntentDistribution,
    IntentPredictor,
    IntentShare,
    annotated_intent,
    intent_distribution,
    resolve_intents,
)
from colloquy.analytics.outcomes.markers import (
    ESCALATED_LABEL,
    RESOLVED_LABEL,
    ConversationOutcome,
    MarkerSource,
    OutcomeJudge,
)
from colloquy.analytics.outcomes.metrics import (
    OutcomeKind,
    OutcomeMetrics,
    assess_outcomes,
    outcome_metrics,
    outcome_rate,
    summarize_outcomes,
)
from colloquy.analytics.outcomes.rates import Rate, wilson_rate
from colloquy.analytics.outcomes.trends import Bucket, Trend, TrendSeries, outcome_trends

__all__ = [
    "ESCALATED_LABEL",
    "FILTER_KEYS",
    "RESOLVED_LABEL",
    "Bucket",
    "ConversationFilter",
    "ConversationOutcome",
    "IntentDistribution",
    "IntentPredictor",
    "IntentShare",
    "MarkerSource",
    "OutcomeJudge",
    "OutcomeKind",
    "OutcomeMetrics",
    "Rate",
    "Trend",
    "TrendSeries",
    "annotated_intent",
    "assess_outcomes",
    "conversation_brand",
    "conversation_day",
    "intent_distribution",
    "outcome_metrics",
    "outcome_rate",
    "outcome_trends",
    "resolve_intents",
    "summarize_outcomes",
    "wilson_rate",
]
