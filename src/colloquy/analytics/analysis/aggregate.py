"""Dataset aggregates from per-conversation analyses, in one streaming pass.

:class:`DatasetAggregator` takes :class:`ConversationAnalysis` records one at a time, so a
dataset is aggregated from a generator (the engine's, or stored analyses read back) and
never held whole. What it keeps per conversation is what exact medians and percentiles
need, compactly (:mod:`~colloquy.analytics.analysis.columns`: dynamics values and
per-turn compounds as doubles, outcomes as references to shared records) plus the failure
records of conversations that have a failure; flow, association, labels and trends are
bounded counters.

Every dataset number is computed by the module that owns its metric (dynamics summaries,
failure ranking and association, flow graph, outcome rates and trends); this module only
routes records to them and applies the English-only rule: resolution and escalation
verdicts that came from English cue phrases on non-English text are left out of the rates.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable

from colloquy.analytics.analysis.columns import DynamicsColumns, OutcomeList, collect
from colloquy.analytics.analysis.filtering import matches_analysis
from colloquy.analytics.analysis.options import AnalysisOptions
from colloquy.analytics.analysis.records import (
    ESCALATION_PART,
    RESOLUTION_PART,
    ConversationAnalysis,
    DatasetAnalysis,
    FlowSnapshot,
    SkippedCount,
)
from colloquy.analytics.analysis.sentiment_summary import SentimentAccumulator
from colloquy.analytics.dynamics import GroupDynamics
from colloquy.analytics.failures import ConversationFailures, rank_failures
from colloquy.analytics.failures.association import AssociationCounter, is_bad_outcome
from colloquy.analytics.flow import FlowGraph
from colloquy.analytics.outcomes import (
    ConversationFilter,
    OutcomeKind,
    OutcomeMetrics,
    intent_distribution,
    outcome_rate,
    outcome_trends,
)

TOP_PATHS = 20
"""How many whole conversation paths a flow snapshot lists."""

_NO_FAILURE = ConversationFailures(conversation_id="", points=())


class DatasetAggregator:
    """Accumulates analyses; :meth:`result` answers the :class:`DatasetAnalysis` so far."""

    def __init__(
        self,
        options: AnalysisOptions,
        *,
        dataset: str | None = None,
        where: ConversationFilter | None = None,
        fingerprint: str | None = None,
    ) -> None:
        self.options = options
        self.dataset = dataset
        self.where = where if where is not None else ConversationFilter()
        self.fingerprint = fingerprint if fingerprint is not None else options.fingerprint()
        self.conversations = 0
        self.excluded = 0
        self.turns = 0
        self.non_english = 0
        self._skipped: Counter[str] = Counter()
        self._sentiment = SentimentAccumulator(options.sentiment, options.bucket)
        self._dynamics = DynamicsColumns()
        self._by_brand: defaultdict[str, DynamicsColumns] = defaultdict(DynamicsColumns)
        self._failing: list[ConversationFailures] = []
        self._association = AssociationCounter()
        self._flow = FlowGraph(options.flow_level)
        self._untraced = 0
        self._outcomes = OutcomeList()
        self._resolution = OutcomeList()
        self._escalation = OutcomeList()

    def add(self, analysis: ConversationAnalysis) -> bool:
        """Count ``analysis`` if the filter keeps it; returns whether it was kept."""
        if not matches_analysis(self.where, analysis):
            self.excluded += 1
            return False
        self.conversations += 1
        self.turns += analysis.n_turns
        self.non_english += not analysis.language.is_english
        self._skipped.update(analysis.english_only_skipped)
        self._sentiment.add(analysis.sentiment, analysis.day)
        values = collect(analysis.dynamics)
        self._dynamics.add(analysis.dynamics, values)
        if analysis.answered_by is not None:
            self._by_brand[analysis.answered_by].add(analysis.dynamics, values)
        if analysis.failures.points:
            self._failing.append(analysis.failures)
        outcome = analysis.outcome
        self._association.add(
            {point.type for point in analysis.failures.points},
            is_bad_outcome(
                resolved=outcome.resolved, escalated=outcome.escalated, converted=outcome.converted
            ),
        )
        if analysis.trace is None:
            self._untraced += 1
        else:
            self._flow.add(analysis.trace)
        self._outcomes.append(outcome)
        if RESOLUTION_PART not in analysis.english_only_skipped:
            self._resolution.append(outcome)
        if ESCALATION_PART not in analysis.english_only_skipped:
            self._escalation.append(outcome)
        return True

    def result(self) -> DatasetAnalysis:
        """The aggregate of every analysis kept so far."""
        failing = itertools.chain(
            self._failing, itertools.repeat(_NO_FAILURE, self.conversations - len(self._failing))
        )
        intents = intent_distribution([o.intent for o in self._outcomes])
        outcomes = OutcomeMetrics(
            conversations=len(self._outcomes),
            resolution=outcome_rate(self._resolution, OutcomeKind.RESOLUTION),
            escalation=outcome_rate(self._escalation, OutcomeKind.ESCALATION),
            conversion=outcome_rate(self._outcomes, OutcomeKind.CONVERSION),
            intents=intents,
        )
        bucket = self.options.bucket
        return DatasetAnalysis(
            dataset=self.dataset,
            filter=self.where,
            options=self.options,
            fingerprint=self.fingerprint,
            conversations=self.conversations,
            excluded=self.excluded,
            turns=self.turns,
            non_english=self.non_english,
            english_only_skipped=tuple(
                SkippedCount(part=part, conversations=n)
                for part, n in sorted(self._skipped.items())
            ),
            sentiment=self._sentiment.result(),
            dynamics=self._dynamics.summary(),
            dynamics_by_brand=self._brands(),
            failures=rank_failures(failing),
            failure_association=self._association.result(),
            flow=self._flow_snapshot(),
            outcomes=outcomes,
            trends=(
                outcome_trends(self._resolution, OutcomeKind.RESOLUTION, bucket),
                outcome_trends(self._escalation, OutcomeKind.ESCALATION, bucket),
                outcome_trends(self._outcomes, OutcomeKind.CONVERSION, bucket),
            ),
            intents=intents,
        )

    def _brands(self) -> tuple[GroupDynamics, ...]:
        ordered = sorted(self._by_brand.items(), key=lambda item: (-item[1].conversations, item[0]))
        return tuple(
            GroupDynamics(group=key, summary=columns.summary()) for key, columns in ordered
        )

    def _flow_snapshot(self) -> FlowSnapshot:
        graph = self._flow
        return FlowSnapshot(
            level=graph.level,
            conversations=graph.conversations,
            untraced=self._untraced,
            nodes=graph.nodes,
            edges=graph.edges(),
            starts=graph.starts(),
            ends=graph.ends(),
            paths=graph.top_paths(TOP_PATHS) if graph.conversations else (),
        )


def aggregate(
    analyses: Iterable[ConversationAnalysis],
    options: AnalysisOptions | None = None,
    *,
    dataset: str | None = None,
    where: ConversationFilter | None = None,
    fingerprint: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> DatasetAnalysis:
    """The :class:`DatasetAnalysis` of ``analyses`` that ``where`` keeps, in one pass.

    ``fingerprint`` defaults to ``options.fingerprint()``; pass the stored one when
    rebuilding from storage (the options' model folders need not exist then).
    ``on_progress`` receives the number of analyses read so far.
    """
    aggregator = DatasetAggregator(
        options if options is not None else AnalysisOptions(),
        dataset=dataset,
        where=where,
        fingerprint=fingerprint,
    )
    for done, analysis in enumerate(analyses, start=1):
        aggregator.add(analysis)
        if on_progress is not None:
            on_progress(done)
    return aggregator.result()
