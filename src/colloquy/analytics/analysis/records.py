"""The engine's results: one record per conversation, one per dataset.

:class:`ConversationAnalysis` carries everything the dataset view needs (the filter's
fields, sentiment, dynamics, failures, flow trace, outcome), so a dataset aggregate can be
rebuilt from stored per-conversation analyses alone, without the conversations.
:class:`DatasetAnalysis` is that aggregate. Both are frozen and hold only records, tuples,
enums, dates and numbers, so they serialise exactly.

English-only parts (VADER sentiment, the cue-phrase failure detectors, resolution and
escalation judged from text) are not run on a conversation flagged non-English; the record
names what was skipped (``english_only_skipped``) and the dataset view counts it, so no
number silently comes from a lexicon that cannot read the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from colloquy.analytics.analysis.options import AnalysisOptions
from colloquy.analytics.dynamics.conversation import TalkDynamics
from colloquy.analytics.dynamics.summary import Distribution, DynamicsSummary, GroupDynamics
from colloquy.analytics.failures.association import FailureAssociations
from colloquy.analytics.failures.records import ConversationFailures, FailureRanking
from colloquy.analytics.flow.graph import FlowEdge, FlowNode, FlowPath
from colloquy.analytics.flow.records import DialogueTrace, FlowLevel
from colloquy.analytics.outcomes.filters import ConversationFilter
from colloquy.analytics.outcomes.intents import IntentDistribution
from colloquy.analytics.outcomes.markers import ConversationOutcome
from colloquy.analytics.outcomes.metrics import OutcomeMetrics
from colloquy.analytics.outcomes.trends import Bucket, TrendSeries
from colloquy.analytics.sentiment.base import SentimentLabel
from colloquy.analytics.sentiment.trajectory import SentimentTrajectory
from colloquy.schema import Speaker

SENTIMENT_PART = "sentiment"
RESOLUTION_PART = "resolved"
ESCALATION_PART = "escalated"
"""Names in ``english_only_skipped`` besides failure-type values (``goal_not_completed``,
``escalation``, ``abandonment``, ``correction``, ``repetition``, ``sentiment_drop``):
``sentiment`` (no trajectory), ``resolved`` and ``escalated`` (the outcome verdict came
from English cue phrases, so the dataset rates leave the conversation out)."""


@dataclass(frozen=True, slots=True)
class LanguageCheck:
    """Whether a conversation reads as English, and the evidence.

    ``english_share`` is the share of its word tokens found in an English word list;
    ``latin_share`` the share of its letters in the Latin script; ``tokens`` how many
    word tokens were checked (0 for a conversation with no words, which counts as English:
    there is nothing an English-only part could misread).
    """

    is_english: bool
    english_share: float
    latin_share: float
    tokens: int


@dataclass(frozen=True, slots=True)
class ConversationAnalysis:
    """Everything the engine found in one conversation.

    ``brand`` is the brand the source records (``metadata["brand"]``, what the brand
    filter reads); ``answered_by`` is the brand or agent id that answered (the dynamics'
    per-brand grouping, :func:`~colloquy.analytics.dynamics.brand_of`). ``speakers`` are
    the roles with at least one non-empty turn (the speaker filter). ``day`` is the UTC day
    it started. ``intent`` is resolved once, with the options' intent model if any.
    ``sentiment`` is ``None`` when it was skipped (non-English); ``trace`` is ``None``
    when the conversation has no annotated state and no intent model was given.
    """

    conversation_id: str
    dataset: str | None
    source: str
    channel: str
    brand: str | None
    answered_by: str | None
    started_at: datetime | None
    day: date | None
    intent: str | None
    speakers: tuple[Speaker, ...]
    n_turns: int
    language: LanguageCheck
    sentiment: SentimentTrajectory | None
    dynamics: TalkDynamics
    failures: ConversationFailures
    trace: DialogueTrace | None
    outcome: ConversationOutcome
    english_only_skipped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LabelShare:
    """How many scored turns got one sentiment label, and their share."""

    label: SentimentLabel
    count: int
    share: float


@dataclass(frozen=True, slots=True)
class SpeakerSentiment:
    """One speaker's per-turn compound polarity over the dataset."""

    speaker: Speaker
    turns: int
    compound: Distribution | None
    labels: tuple[LabelShare, ...]


@dataclass(frozen=True, slots=True)
class CsatBin:
    """Conversations whose CSAT estimate rounds to ``score`` (1 to 5)."""

    score: int
    count: int


@dataclass(frozen=True, slots=True)
class SentimentPoint:
    """One trend bucket: conversations in it, their mean customer compound and CSAT.

    Means are ``None`` for a bucket without scored customer turns (a hole, not a 0).
    """

    start: date
    conversations: int
    customer_mean: float | None
    csat_mean: float | None


@dataclass(frozen=True, slots=True)
class SentimentTrend:
    """Customer sentiment per day or week, gap-free from the first to the last bucket."""

    bucket: Bucket
    points: tuple[SentimentPoint, ...]
    undated: int


@dataclass(frozen=True, slots=True)
class SentimentSummary:
    """Sentiment over a dataset.

    ``scored`` conversations had sentiment computed; ``skipped`` were non-English.
    ``customer_change`` is the distribution of the customer's start-to-end change
    (conversations with two or more customer turns); ``csat`` of the CSAT estimate.
    """

    model: str
    scored: int
    skipped: int
    speakers: tuple[SpeakerSentiment, ...]
    customer_change: Distribution | None
    csat: Distribution | None
    csat_bins: tuple[CsatBin, ...]
    trend: SentimentTrend


@dataclass(frozen=True, slots=True)
class FlowSnapshot:
    """The dataset flow graph as plain records (see :class:`~colloquy.analytics.flow.FlowGraph`).

    ``conversations`` is how many had a trace; the rest had no state to trace.
    """

    level: FlowLevel
    conversations: int
    untraced: int
    nodes: tuple[FlowNode, ...]
    edges: tuple[FlowEdge, ...]
    starts: tuple[FlowNode, ...]
    ends: tuple[FlowNode, ...]
    paths: tuple[FlowPath, ...]


@dataclass(frozen=True, slots=True)
class SkippedCount:
    """How many conversations skipped one English-only part (see ``english_only_skipped``)."""

    part: str
    conversations: int


@dataclass(frozen=True, slots=True)
class DatasetAnalysis:
    """The aggregate of the conversations a filter kept.

    ``excluded`` counts analyses the filter left out; ``non_english`` the kept ones
    flagged non-English, and ``english_only_skipped`` which parts they skipped. The
    resolution and escalation rates leave out conversations whose verdict would have come
    from English cue phrases on non-English text. ``intents`` equals ``outcomes.intents``.
    """

    dataset: str | None
    filter: ConversationFilter
    options: AnalysisOptions
    fingerprint: str
    conversations: int
    excluded: int
    turns: int
    non_english: int
    english_only_skipped: tuple[SkippedCount, ...]
    sentiment: SentimentSummary
    dynamics: DynamicsSummary
    dynamics_by_brand: tuple[GroupDynamics, ...]
    failures: FailureRanking
    failure_association: FailureAssociations
    flow: FlowSnapshot
    outcomes: OutcomeMetrics
    trends: tuple[TrendSeries, ...]
    intents: IntentDistribution
