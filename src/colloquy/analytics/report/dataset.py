"""The report of a whole dataset: what a support lead reads first, in that order.

Outcomes (did conversations succeed), then failure points (where they did not, and which
failures go with bad outcomes), sentiment, talk dynamics and response times, intents and
the flow. Every section states what it is computed over, so a rate from 12 conversations
is not read like one from 12,000.
"""

from __future__ import annotations

from collections.abc import Sequence

from colloquy.analytics.analysis.records import DatasetAnalysis, SentimentSummary
from colloquy.analytics.dynamics import Distribution
from colloquy.analytics.flow import END, START
from colloquy.analytics.outcomes import ConversationFilter
from colloquy.analytics.report.charts import (
    Chart,
    TrendLine,
    csat_chart,
    intent_chart,
    outcome_chart,
    outcome_trend_lines,
    response_time_chart,
    sankey_chart,
    trend_chart,
)
from colloquy.analytics.report.records import Report, ReportSection
from colloquy.analytics.report.tables import (
    UNAVAILABLE,
    ReportTable,
    brand_table,
    dynamics_table,
    failure_tables,
    flow_tables,
    intent_table,
    number,
    outcome_table,
    share,
)
from colloquy.analytics.sentiment import LABELS


def describe_filter(where: ConversationFilter) -> str:
    """The filter in words (``all conversations`` when it keeps everything)."""
    parts: list[str] = []
    if where.start is not None:
        parts.append(f"from {where.start.isoformat()}")
    if where.end is not None:
        parts.append(f"to {where.end.isoformat()}")
    named: Sequence[tuple[str, frozenset[str]]] = (
        ("channel", where.channels),
        ("source", where.sources),
        ("brand", where.brands),
        ("intent", where.intents),
        ("speaker", frozenset(s.value for s in where.speakers)),
    )
    parts += [f"{key} in {', '.join(sorted(values))}" for key, values in named if values]
    return "; ".join(parts) if parts else "all conversations"


def _facts(analysis: DatasetAnalysis) -> tuple[tuple[str, str], ...]:
    skipped = ", ".join(f"{s.part} ({s.conversations:,})" for s in analysis.english_only_skipped)
    return (
        ("dataset", analysis.dataset or "(not stored)"),
        ("conversations", f"{analysis.conversations:,}"),
        ("turns", f"{analysis.turns:,}"),
        ("filter", describe_filter(analysis.filter)),
        ("left out by the filter", f"{analysis.excluded:,}"),
        ("sentiment model", analysis.sentiment.model),
        ("intent model", analysis.options.intent_model or "none (annotated intents)"),
        ("flagged non-English", f"{analysis.non_english:,}"),
        ("English-only parts skipped", skipped or "none"),
        ("options fingerprint", analysis.fingerprint),
    )


def _outcomes(analysis: DatasetAnalysis) -> ReportSection:
    charts = [outcome_chart(analysis.outcomes)]
    lines = outcome_trend_lines(analysis.trends)
    if lines:
        charts.append(
            trend_chart(
                "outcome-trends",
                f"Outcome rates per {analysis.options.bucket.value}",
                lines,
                y_title="rate",
                percent=True,
            )
        )
    return ReportSection(
        id="section-outcomes",
        heading="Outcome metrics",
        intro=(
            "Resolution from explicit labels, else the dataset's goal acts, else the "
            "text-only goal detector; escalation from labels, else requests for a human; "
            "conversion from recorded outcomes. Each rate with its n and a Wilson 95 % "
            "interval; trend buckets without conversations are gaps."
        ),
        charts=tuple(charts),
        tables=(outcome_table(analysis.outcomes),),
    )


def _failures(analysis: DatasetAnalysis) -> ReportSection:
    return ReportSection(
        id="section-failures",
        heading="Failure points",
        intro=(
            "Failure types ranked by the conversations they affect, with the bad-outcome "
            "rate of conversations with the failure against those without it, and the "
            "example turn the detector was surest about."
        ),
        tables=failure_tables(analysis.failures, analysis.failure_association),
    )


def _distribution_row(name: str, dist: Distribution | None) -> tuple[str, ...]:
    if dist is None:
        return (name, "0", UNAVAILABLE, UNAVAILABLE)
    return (name, f"{dist.count:,}", number(dist.median), number(dist.mean))


def sentiment_tables(summary: SentimentSummary) -> tuple[ReportTable, ...]:
    """Per-speaker polarity and labels, and the customer's change and CSAT estimate."""
    speakers: list[tuple[str, ...]] = []
    for s in summary.speakers:
        shares = {x.label: x.share for x in s.labels}
        speakers.append(
            (
                s.speaker.value,
                f"{s.turns:,}",
                number(s.compound.median) if s.compound else UNAVAILABLE,
                number(s.compound.mean) if s.compound else UNAVAILABLE,
                *(share(shares.get(name)) for name in LABELS),
            )
        )
    proxy = (
        _distribution_row("customer start-to-end change", summary.customer_change),
        _distribution_row("CSAT estimate (1–5)", summary.csat),
    )
    return (
        ReportTable(
            id="sentiment-speakers",
            title=(
                f"Sentiment per speaker ({summary.scored:,} conversations scored, "
                f"{summary.skipped:,} skipped as non-English)"
            ),
            columns=("speaker", "turns", "median", "mean", "negative", "neutral", "positive"),
            rows=tuple(speakers),
            note="Compound polarity per turn, from -1 (negative) to +1 (positive).",
        ),
        ReportTable(
            id="sentiment-csat",
            title="Customer satisfaction proxy",
            columns=("measure", "conversations", "median", "mean"),
            rows=proxy,
            note=(
                "CSAT estimate = 1 + 4 × (half where the customer ended, half how far they "
                "moved); a proxy, not a survey answer."
            ),
        ),
    )


def sentiment_trend_lines(summary: SentimentSummary) -> tuple[TrendLine, TrendLine] | None:
    """The customer's mean compound and mean CSAT estimate per bucket (``None``: undated)."""
    points = summary.trend.points
    if not points or all(p.customer_mean is None for p in points):
        return None
    days = tuple(p.start.isoformat() for p in points)
    return (
        TrendLine("customer mean compound", days, tuple(p.customer_mean for p in points)),
        TrendLine("mean CSAT estimate", days, tuple(p.csat_mean for p in points)),
    )


def _sentiment(analysis: DatasetAnalysis) -> ReportSection:
    summary = analysis.sentiment
    charts: list[Chart] = []
    lines = sentiment_trend_lines(summary)
    if lines is not None:
        width = summary.trend.bucket.value
        compound, csat = lines
        charts.append(
            trend_chart(
                "sentiment-trend",
                f"Customer sentiment per {width}",
                [compound],
                y_title="mean compound",
                percent=False,
            )
        )
        charts.append(
            trend_chart(
                "csat-trend", f"CSAT estimate per {width}", [csat], y_title="mean", percent=False
            )
        )
    if any(b.count for b in summary.csat_bins):
        charts.append(csat_chart(summary.csat_bins))
    undated = (
        f" {summary.trend.undated:,} undated conversations are not in the trend."
        if summary.trend.undated
        else ""
    )
    return ReportSection(
        id="section-sentiment",
        heading="Sentiment",
        intro=f"Per-turn sentiment from {summary.model}.{undated}",
        charts=tuple(charts),
        tables=sentiment_tables(summary),
    )


def _dynamics(analysis: DatasetAnalysis) -> ReportSection:
    charts: list[Chart] = []
    if analysis.dynamics.replies:
        charts.append(
            response_time_chart(analysis.dynamics.response_histogram, analysis.dynamics_by_brand)
        )
    tables = [dynamics_table(analysis.dynamics)]
    if any(g.summary.replies for g in analysis.dynamics_by_brand):
        tables.append(brand_table(analysis.dynamics_by_brand))
    return ReportSection(
        id="section-dynamics",
        heading="Talk dynamics and response times",
        intro=(
            "Talk ratio, monologues, interactivity, question rates, response and handle "
            "times; a time metric is unavailable (never 0) without timestamps."
        ),
        charts=tuple(charts),
        tables=tuple(tables),
    )


def _intents(analysis: DatasetAnalysis) -> ReportSection:
    intents = analysis.intents
    if not intents.shares:
        return ReportSection(
            id="section-intents",
            heading="Intent distribution",
            intro=(
                f"None of the {intents.conversations:,} conversations has an intent: the data "
                "has no intent labels; pass --intent-model to predict them."
            ),
        )
    return ReportSection(
        id="section-intents",
        heading="Intent distribution",
        intro="Each conversation's intent: annotated, or predicted from its opening request.",
        charts=(intent_chart(intents),),
        tables=(intent_table(intents),),
    )


def _flow(analysis: DatasetAnalysis) -> ReportSection:
    flow = analysis.flow
    moves = [e for e in flow.edges if (e.source, e.target) != (START, END)]
    intro = (
        f"Transitions between {flow.level.value} states over {flow.conversations:,} "
        f"traced conversations ({flow.untraced:,} had no state to trace: no annotations "
        "and no intent model)."
    )
    if not moves:
        return ReportSection(
            id="section-flow",
            heading="Dialogue flow",
            intro=intro + " No conversation passed through a state, so there is no flow "
            "to draw; pass --intent-model to trace customer intents.",
        )
    return ReportSection(
        id="section-flow",
        heading="Dialogue flow",
        intro=intro + " Links into (end) show where conversations end.",
        charts=(sankey_chart(flow.edges, flow.conversations),),
        tables=flow_tables(flow.ends, flow.paths, flow.edges),
    )


def dataset_report(analysis: DatasetAnalysis) -> Report:
    """The sections of a dataset report, in reading order."""
    return Report(
        title=f"Conversation analysis: {analysis.dataset or 'conversations'}",
        facts=_facts(analysis),
        sections=(
            _outcomes(analysis),
            _failures(analysis),
            _sentiment(analysis),
            _dynamics(analysis),
            _intents(analysis),
            _flow(analysis),
        ),
    )
