"""Analytics over conversations: what happened in them and which moments mattered.

Insights (:mod:`colloquy.analytics.insights`) find objections, questions, commitments,
next steps, price and competitor mentions and key moments, offline by default
(:class:`ExtractiveInsightAnalyzer`) or through any OpenAI-compatible LLM
(:class:`LLMInsightAnalyzer`); :func:`insight_analyzer_from_settings` picks one from
the configuration. LangChain is only imported when an LLM analyzer first runs.
"""

from __future__ import annotations

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
from colloquy.analytics.insights_llm import LLMInsightAnalyzer, insight_analyzer_from_settings

__all__ = [
    "DEFAULT_SIMILARITY_THRESHOLD",
    "INSIGHT_KINDS",
    "ConversationInsights",
    "ExtractiveInsightAnalyzer",
    "Insight",
    "InsightAnalyzer",
    "InsightKind",
    "InsightMethod",
    "LLMInsightAnalyzer",
    "insight_analyzer_from_settings",
]
