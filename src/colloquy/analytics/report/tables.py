"""The report's tables, as plain rows of text, shared by the HTML page and the terminal.

Numbers are formatted once here so the HTML report and ``--format table`` say the same
thing the same way: a rate with its n and Wilson interval, a time on a human scale, and
"unavailable" for a metric with no value (an untimed dataset has no response time; it is
not 0 seconds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from colloquy.analytics.dynamics import Distribution, DynamicsSummary, GroupDynamics
from colloquy.analytics.failures import FailureRanking
from colloquy.analytics.failures.association import FailureAssociation, FailureAssociations
from colloquy.analytics.flow import END, START, FlowEdge, FlowNode, FlowPath
from colloquy.analytics.outcomes import IntentDistribution, OutcomeMetrics, Rate

UNAVAILABLE = "unavailable"
"""What a metric without a value shows (never 0)."""
EXAMPLE_CHARS = 160
"""Example turns are cut to this many characters in tables."""


@dataclass(frozen=True, slots=True)
class ReportTable:
    """A titled table of text cells; ``note`` explains how to read it (may be empty)."""

    id: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


def share(value: float | None) -> str:
    """A fraction as a percentage with one decimal, or :data:`UNAVAILABLE`."""
    return UNAVAILABLE if value is None else f"{100 * value:.1f} %"


def rate_text(rate: Rate) -> str:
    """``71.7 % [68.1, 75.0] (461 of 643)``, or unavailable with its n of 0."""
    if rate.value is None or rate.low is None or rate.high is None:
        return f"{UNAVAILABLE} (n=0)"
    return (
        f"{100 * rate.value:.1f} % [{100 * rate.low:.1f}, {100 * rate.high:.1f}] "
        f"({rate.successes:,} of {rate.n:,})"
    )


def seconds_text(value: float | None) -> str:
    """A duration on a human scale (s, min, h, days), or :data:`UNAVAILABLE`."""
    if value is None:
        return UNAVAILABLE
    if value < 120:
        return f"{value:.1f} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    if value < 172800:
        return f"{value / 3600:.1f} h"
    return f"{value / 86400:.1f} days"


def number(value: float | None, digits: int = 2) -> str:
    """A plain number, or :data:`UNAVAILABLE`."""
    return UNAVAILABLE if value is None else f"{value:.{digits}f}"


def clip(text: str, limit: int = EXAMPLE_CHARS) -> str:
    """One line of at most ``limit`` characters (an ellipsis marks a cut)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def node_text(node: str) -> str:
    """A flow node's display name (the start and end markers read as words)."""
    return {START: "(start)", END: "(end)"}.get(node, node)


def outcome_table(metrics: OutcomeMetrics) -> ReportTable:
    rows = (
        ("resolution", rate_text(metrics.resolution)),
        ("escalation", rate_text(metrics.escalation)),
        ("conversion", rate_text(metrics.conversion)),
    )
    return ReportTable(
        id="outcomes",
        title=f"Outcome rates over {metrics.conversations:,} conversations",
        columns=("rate", "value [Wilson 95 % interval] (n)"),
        rows=rows,
        note="Conversion counts only conversations that record an outcome.",
    )


_TIME_METRICS = frozenset(
    {
        "longest monologue (time)",
        "first response time",
        "response time (per reply)",
        "customer wait (patience)",
        "handle time",
    }
)


def _dynamics_metrics(
    summary: DynamicsSummary,
) -> tuple[tuple[str, Distribution | None], ...]:
    return (
        ("customer share of words", summary.customer_word_share),
        ("customer share of time", summary.customer_time_share),
        ("customer question rate", summary.customer_question_rate),
        ("agent question rate", summary.agent_question_rate),
        ("longest monologue (words)", summary.longest_monologue_words),
        ("longest monologue (time)", summary.longest_monologue_seconds),
        ("interactivity (switches/min)", summary.interactivity_per_minute),
        ("first response time", summary.first_response_seconds),
        ("response time (per reply)", summary.response_seconds),
        ("customer wait (patience)", summary.patience_seconds),
        ("handle time", summary.handle_seconds),
    )


def _value(metric: str, value: float) -> str:
    if metric in _TIME_METRICS:
        return seconds_text(value)
    if "share" in metric or "rate" in metric:
        return share(value)
    return f"{value:.2f}"


def dynamics_table(summary: DynamicsSummary) -> ReportTable:
    rows: list[tuple[str, ...]] = []
    for metric, dist in _dynamics_metrics(summary):
        if dist is None:
            rows.append((metric, "0", UNAVAILABLE, "", "", ""))
            continue
        rows.append(
            (
                metric,
                f"{dist.count:,}",
                _value(metric, dist.median),
                _value(metric, dist.p25),
                _value(metric, dist.p75),
                _value(metric, dist.p90),
            )
        )
    return ReportTable(
        id="dynamics",
        title=(
            f"Talk dynamics: {summary.conversations:,} conversations, "
            f"{summary.timed_conversations:,} timed, {summary.replies:,} agent replies"
        ),
        columns=("metric", "n", "median", "p25", "p75", "p90"),
        rows=tuple(rows),
        note="Time metrics need timestamps; untimed conversations add nothing to them.",
    )


def brand_table(groups: Sequence[GroupDynamics], limit: int = 15) -> ReportTable:
    rows = tuple(
        (
            g.group,
            f"{g.summary.conversations:,}",
            f"{g.summary.replies:,}",
            seconds_text(g.summary.first_response_seconds.median)
            if g.summary.first_response_seconds
            else UNAVAILABLE,
            seconds_text(g.summary.response_seconds.median)
            if g.summary.response_seconds
            else UNAVAILABLE,
            seconds_text(g.summary.response_seconds.p90)
            if g.summary.response_seconds
            else UNAVAILABLE,
        )
        for g in groups[:limit]
    )
    return ReportTable(
        id="brands",
        title=f"Response times per brand (the {len(rows)} largest of {len(groups)})",
        columns=(
            "brand",
            "conversations",
            "replies",
            "median first response",
            "median response",
            "p90 response",
        ),
        rows=rows,
    )


def _association_cells(item: FailureAssociation | None) -> tuple[str, str, str, str]:
    if item is None:
        return (UNAVAILABLE, UNAVAILABLE, UNAVAILABLE, "")
    if item.difference is None or item.difference_low is None or item.difference_high is None:
        difference = UNAVAILABLE
    else:
        difference = (
            f"{100 * item.difference:+.1f} pp "
            f"[{100 * item.difference_low:+.1f}, {100 * item.difference_high:+.1f}]"
        )
    if item.relative_risk is None:
        risk = UNAVAILABLE
    else:
        risk = (
            f"{item.relative_risk:.2f} "
            f"[{number(item.relative_risk_low)}, {number(item.relative_risk_high)}]"
        )
    note = "by definition" if item.part_of_definition else ""
    return (
        f"{share(item.with_failure.value)} / {share(item.without_failure.value)}",
        difference,
        risk,
        note,
    )


def failure_tables(
    ranking: FailureRanking, associations: FailureAssociations
) -> tuple[ReportTable, ...]:
    """Failure types by frequency with an example turn, then their bad-outcome association.

    Two tables rather than one wide one, so each fits a terminal; both list the types in
    the ranking's order (most conversations affected first).
    """
    by_type = {a.type: a for a in associations.associations}
    frequency = ReportTable(
        id="failures",
        title=f"Failure points over {ranking.conversations:,} conversations",
        columns=("failure", "conversations", "share", "points", "example turn"),
        rows=tuple(
            (
                rank.type.value,
                f"{rank.conversations:,}",
                share(rank.share),
                f"{rank.points:,}",
                clip(rank.example),
            )
            for rank in ranking.ranks
        ),
        note="The example is the turn the detector was surest about.",
    )
    association = ReportTable(
        id="failure-association",
        title=(
            f"Failure points and bad outcomes ({associations.bad_outcomes:,} of "
            f"{associations.conversations:,} conversations ended badly)"
        ),
        columns=(
            "failure",
            "bad outcome with / without",
            "difference [95 %]",
            "relative risk [95 %]",
            "",
        ),
        rows=tuple(
            (rank.type.value, *_association_cells(by_type.get(rank.type))) for rank in ranking.ranks
        ),
        note=(
            "A bad outcome is: not resolved, or escalated, or not converted where a "
            "conversion is recorded. Types marked 'by definition' are part of that "
            "definition, so their association is not a finding."
        ),
    )
    return (frequency, association)


def intent_table(intents: IntentDistribution, limit: int = 50) -> ReportTable:
    rows = tuple((s.intent, f"{s.count:,}", share(s.share)) for s in intents.shares[:limit])
    return ReportTable(
        id="intent-table",
        title=(
            f"Intents: {len(intents.shares):,} distinct over {intents.conversations:,} "
            f"conversations ({intents.unknown:,} without an intent)"
        ),
        columns=("intent", "conversations", "share of those with an intent"),
        rows=rows,
    )


def flow_tables(
    ends: Sequence[FlowNode], paths: Sequence[FlowPath], edges: Sequence[FlowEdge], limit: int = 15
) -> tuple[ReportTable, ...]:
    """Where conversations end, their most common paths and the busiest transitions."""
    return (
        ReportTable(
            id="flow-ends",
            title="Where conversations end",
            columns=("last state", "conversations"),
            rows=tuple((node_text(n.name), f"{n.count:,}") for n in ends[:limit]),
        ),
        ReportTable(
            id="flow-paths",
            title="Most common paths",
            columns=("path", "conversations"),
            rows=tuple(
                (" → ".join(node_text(n) for n in p.nodes) or "(empty)", f"{p.count:,}")
                for p in paths[:limit]
            ),
        ),
        ReportTable(
            id="flow-edges",
            title="Most frequent transitions",
            columns=("from", "to", "count", "share of leaving"),
            rows=tuple(
                (node_text(e.source), node_text(e.target), f"{e.count:,}", share(e.share))
                for e in edges[:limit]
            ),
        ),
    )
