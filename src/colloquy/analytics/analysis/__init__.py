"""The analysis engine: every analytics part over one conversation or a whole dataset.

:func:`analyze_conversation` / :func:`analyze_batch` return one
:class:`ConversationAnalysis` per conversation (language check, sentiment trajectory, talk
dynamics, failure points, flow trace, outcome); :func:`aggregate` folds such records,
fresh or read back from storage, into a :class:`DatasetAnalysis` in one streaming pass;
:func:`analyze_dataset` does both over any iterable of conversations. An
:class:`AnalysisRuntime` loads the models of an :class:`AnalysisOptions` once;
:meth:`AnalysisOptions.fingerprint` keys stored results.
"""

from __future__ import annotations

from colloquy.analytics.analysis.aggregate import DatasetAggregator, aggregate
from colloquy.analytics.analysis.conversation import analyze_batch, analyze_conversation
from colloquy.analytics.analysis.dataset import analyze_dataset, iter_analyses
from colloquy.analytics.analysis.filtering import matches_analysis
from colloquy.analytics.analysis.language import check_language
from colloquy.analytics.analysis.options import (
    DEFAULT_DETECTORS,
    ENGINE_VERSION,
    VADER,
    AnalysisOptions,
)
from colloquy.analytics.analysis.records import (
    ConversationAnalysis,
    CsatBin,
    DatasetAnalysis,
    FlowSnapshot,
    LabelShare,
    LanguageCheck,
    SentimentPoint,
    SentimentSummary,
    SentimentTrend,
    SkippedCount,
    SpeakerSentiment,
)
from colloquy.analytics.analysis.runtime import (
    ENGLISH_ONLY,
    AnalysisRuntime,
    load_intent_predictor,
)

__all__ = [
    "DEFAULT_DETECTORS",
    "ENGINE_VERSION",
    "ENGLISH_ONLY",
    "VADER",
    "AnalysisOptions",
    "AnalysisRuntime",
    "ConversationAnalysis",
    "CsatBin",
    "DatasetAggregator",
    "DatasetAnalysis",
    "FlowSnapshot",
    "LabelShare",
    "LanguageCheck",
    "SentimentPoint",
    "SentimentSummary",
    "SentimentTrend",
    "SkippedCount",
    "SpeakerSentiment",
    "aggregate",
    "analyze_batch",
    "analyze_conversation",
    "analyze_dataset",
    "check_language",
    "iter_analyses",
    "load_intent_predictor",
    "matches_analysis",
]
