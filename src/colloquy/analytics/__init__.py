"""Analytics over conversations: what happened in them and which moments mattered.

The analysis engine (:mod:`colloquy.analytics.analysis`) runs every part below over one
conversation (:func:`analyze_conversation`) or a dataset (:func:`analyze_dataset`,
:func:`aggregate`) and answers with frozen records (:class:`ConversationAnalysis`,
:class:`DatasetAnalysis`). The parts: sentiment (:mod:`~colloquy.analytics.sentiment`,
VADER or a trained model, per-turn trajectories and a CSAT proxy), talk dynamics
(:mod:`~colloquy.analytics.dynamics`), failure points and their association with bad
outcomes (:mod:`~colloquy.analytics.failures`), dialogue flow
(:mod:`~colloquy.analytics.flow`), outcome rates, intents and trends
(:mod:`~colloquy.analytics.outcomes`) and which metrics separate converted conversations
(:mod:`~colloquy.analytics.separation`).

Insights (:mod:`colloquy.analytics.insights`) find objections, questions, commitments,
next steps, price and competitor mentions and key moments, offline by default
(:class:`ExtractiveInsightAnalyzer`) or through any OpenAI-compatible LLM
(:class:`LLMInsightAnalyzer`); :func:`insight_analyzer_from_settings` picks one from
the configuration. LangChain is only imported when an LLM analyzer first runs.

This package re-exports each part's main names; the sub-packages hold the rest.
"""

from __future__ import annotations

from colloquy.analytics.analysis import (
    AnalysisOptions,
    AnalysisRuntime,
    ConversationAnalysis,
    DatasetAggregator,
    DatasetAnalysis,
    FlowSnapshot,
    LanguageCheck,
    SentimentSummary,
    aggregate,
    analyze_batch,
    analyze_conversation,
    analyze_dataset,
    check_language,
    matches_analysis,
)
from colloquy.analytics.dynamics import (
    DynamicsSummary,
    GroupDynamics,
    TalkDynamics,
    summarize_by_group,
    summarize_dynamics,
    talk_dynamics,
)
from colloquy.analytics.failures import (
    ConversationFailures,
    FailureDetector,
    FailurePoint,
    FailureRank,
    FailureRanking,
    FailureType,
    SentimentDropDetector,
    detect_failures,
    rank_failures,
    text_only_detectors,
)
from colloquy.analytics.failures.association import (
    FailureAssociation,
    FailureAssociations,
    associate_failures,
    is_bad_outcome,
)
from colloquy.analytics.flow import (
    DialogueTrace,
    FlowGraph,
    FlowLevel,
    render_html,
    render_png,
    trace_annotated,
    trace_intents,
)
from colloquy.analytics.insights import (
    DEFAULT_SIMILARITY_THRESHOLD,
    INSIGHT_KINDS,
    ConversationInsights,
    ExtractiveInsightAnalyzer,
    Insight,
    InsightAnalyzer,
    InsightKind,
    InsightMethod,
)
from colloquy.analytics.insights_llm import (
    LLMInsightAnalyzer,
    insight_analyzer_from_settings,
)
from colloquy.analytics.outcomes import (
    Bucket,
    ConversationFilter,
    ConversationOutcome,
    IntentDistribution,
    OutcomeMetrics,
    Rate,
    TrendSeries,
    outcome_metrics,
    outcome_trends,
)
from colloquy.analytics.sentiment import (
    SentimentModel,
    SentimentScore,
    TrainedSentiment,
    VaderSentiment,
    load_sentiment_model,
)
from colloquy.analytics.sentiment.trajectory import (
    SentimentTrajectory,
    SpeakerTrajectory,
    TurnSentiment,
    csat_estimate,
    sentiment_trajectory,
)
from colloquy.analytics.separation import (
    SeparationReport,
    separate,
)

__all__ = [
    "DEFAULT_SIMILARITY_THRESHOLD",
    "INSIGHT_KINDS",
    "AnalysisOptions",
    "AnalysisRuntime",
    "Bucket",
    "ConversationAnalysis",
    "ConversationFailures",
    "ConversationFilter",
    "ConversationInsights",
    "ConversationOutcome",
    "DatasetAggregator",
    "DatasetAnalysis",
    "DialogueTrace",
    "DynamicsSummary",
    "ExtractiveInsightAnalyzer",
    "FailureAssociation",
    "FailureAssociations",
    "FailureDetector",
    "FailurePoint",
    "FailureRank",
    "FailureRanking",
    "FailureType",
    "FlowGraph",
    "FlowLevel",
    "FlowSnapshot",
    "GroupDynamics",
    "Insight",
    "InsightAnalyzer",
    "InsightKind",
    "InsightMethod",
    "IntentDistribution",
    "LLMInsightAnalyzer",
    "LanguageCheck",
    "OutcomeMetrics",
    "Rate",
    "SentimentDropDetector",
    "SentimentModel",
    "SentimentScore",
    "SentimentSummary",
    "SentimentTrajectory",
    "SeparationReport",
    "SpeakerTrajectory",
    "TalkDynamics",
    "TrainedSentiment",
    "TrendSeries",
    "TurnSentiment",
    "VaderSentiment",
    "aggregate",
    "analyze_batch",
    "analyze_conversation",
    "analyze_dataset",
    "associate_failures",
    "check_language",
    "csat_estimate",
    "detect_failures",
    "insight_analyzer_from_settings",
    "is_bad_outcome",
    "load_sentiment_model",
    "matches_analysis",
    "outcome_metrics",
    "outcome_trends",
    "rank_failures",
    "render_html",
    "render_png",
    "sentiment_trajectory",
    "separate",
    "summarize_by_group",
    "summarize_dynamics",
    "talk_dynamics",
    "text_only_detectors",
    "trace_annotated",
    "trace_intents",
]
