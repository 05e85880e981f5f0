"""The report of one conversation: how it went turn by turn, and where it went wrong.

A team lead reviewing one call wants the moments, not distributions: the sentiment path,
who talked how much, each failure point with the turn it happened at, and the dialogue
states it passed through.
"""

from __future__ import annotations

from colloquy.analytics.analysis.records import ConversationAnalysis
from colloquy.analytics.dynamics import TalkDynamics
from colloquy.analytics.failures import ConversationFailures
from colloquy.analytics.flow import DialogueTrace
from colloquy.analytics.report.charts import turn_sentiment_chart
from colloquy.analytics.report.records import Report, ReportSection
from colloquy.analytics.report.tables import (
    UNAVAILABLE,
    ReportTable,
    clip,
    number,
    seconds_text,
    share,
)
from colloquy.analytics.sentiment.trajectory import SentimentTrajectory


def _yes(value: bool | None) -> str:
    return UNAVAILABLE if value is None else ("yes" if value else "no")


def _facts(analysis: ConversationAnalysis) -> tuple[tuple[str, str], ...]:
    outcome = analysis.outcome
    language = analysis.language
    csat = analysis.sentiment.csat_estimate if analysis.sentiment else None
    return (
        ("conversation", analysis.conversation_id),
        ("source / channel", f"{analysis.source} / {analysis.channel}"),
        ("brand", analysis.brand or analysis.answered_by or "none"),
        ("started", analysis.started_at.isoformat() if analysis.started_at else UNAVAILABLE),
        ("turns", f"{analysis.n_turns:,}"),
        ("speakers", ", ".join(s.value for s in analysis.speakers) or "none"),
        ("intent", analysis.intent or "unknown"),
        (
            "language",
            f"{'English' if language.is_english else 'flagged non-English'} "
            f"({share(language.english_share)} of {language.tokens:,} words in the "
            "English word list)",
        ),
        ("resolved", f"{_yes(outcome.resolved)} (from {outcome.resolved_from.value})"),
        ("escalated", f"{_yes(outcome.escalated)} (from {outcome.escalated_from.value})"),
        ("converted", _yes(outcome.converted)),
        ("CSAT estimate (1–5)", number(csat)),
        ("English-only parts skipped", ", ".join(analysis.english_only_skipped) or "none"),
    )


def trajectory_table(trajectory: SentimentTrajectory) -> ReportTable:
    rows = tuple(
        (
            s.speaker.value,
            f"{s.turns:,}",
            number(s.start),
            number(s.end),
            number(s.mean),
            number(s.minimum),
            number(s.change),
        )
        for s in trajectory.speakers
    )
    return ReportTable(
        id="trajectory",
        title=f"Sentiment trajectories ({trajectory.model})",
        columns=("speaker", "turns", "start", "end", "mean", "lowest", "change"),
        rows=rows,
        note="Compound polarity from -1 (negative) to +1 (positive).",
    )


def talk_tables(dynamics: TalkDynamics) -> tuple[ReportTable, ...]:
    """Per-speaker talk and the conversation's time metrics."""
    speakers = tuple(
        (
            s.speaker.value,
            f"{s.turns:,}",
            f"{s.words:,}",
            share(s.word_share),
            seconds_text(s.seconds),
            share(s.time_share),
            share(s.question_rate),
        )
        for s in dynamics.speakers
    )
    replies = dynamics.response_seconds
    metrics = (
        ("speaker switches", f"{dynamics.speaker_switches:,}"),
        ("longest monologue (words)", f"{dynamics.longest_monologue_words:,}"),
        ("longest monologue (time)", seconds_text(dynamics.longest_monologue_seconds)),
        ("interactivity (switches/min)", number(dynamics.interactivity_per_minute)),
        ("first response time", seconds_text(dynamics.first_response_seconds)),
        (
            "agent replies (response times)",
            UNAVAILABLE
            if replies is None
            else (", ".join(seconds_text(v) for v in replies[:20]) or "none"),
        ),
        ("customer wait (patience)", seconds_text(dynamics.patience_seconds)),
        ("handle time", seconds_text(dynamics.handle_seconds)),
    )
    return (
        ReportTable(
            id="talk",
            title="Talk ratio",
            columns=(
                "speaker",
                "turns",
                "words",
                "share of words",
                "floor time",
                "share of time",
                "question rate",
            ),
            rows=speakers,
        ),
        ReportTable(
            id="timing",
            title="Timing" + ("" if dynamics.timed else " (the turns carry no time)"),
            columns=("metric", "value"),
            rows=metrics,
        ),
    )


def failure_points_table(failures: ConversationFailures) -> ReportTable:
    rows = tuple(
        (p.type.value, str(p.turn_index), f"{p.confidence:.2f}", p.detector, clip(p.example))
        for p in failures.points
    )
    return ReportTable(
        id="failure-points",
        title=f"Failure points ({len(rows)})",
        columns=("failure", "turn", "confidence", "detector", "example turn"),
        rows=rows,
    )


def trace_table(trace: DialogueTrace) -> ReportTable:
    rows = tuple(
        (
            str(s.turn_index),
            s.speaker.value,
            s.intent or "",
            " ".join(s.acts),
            " ".join(s.requested_slots),
            " ".join(s.filled_slots),
        )
        for s in trace.states
    )
    return ReportTable(
        id="trace",
        title="Dialogue states",
        columns=("turn", "speaker", "intent", "acts", "requested slots", "filled slots"),
        rows=rows,
    )


def conversation_report(analysis: ConversationAnalysis) -> Report:
    """The sections of a one-conversation report."""
    sentiment = analysis.sentiment
    sections = [
        ReportSection(
            id="section-sentiment",
            heading="Sentiment",
            intro="Sentiment per turn and per speaker."
            if sentiment
            else "Sentiment was not scored: the conversation is flagged non-English.",
            charts=(turn_sentiment_chart(sentiment),) if sentiment and sentiment.turns else (),
            tables=(trajectory_table(sentiment),) if sentiment else (),
        ),
        ReportSection(
            id="section-failures",
            heading="Failure points",
            intro="Where the conversation went wrong, with the turn and the detector's confidence.",
            tables=(failure_points_table(analysis.failures),),
        ),
        ReportSection(
            id="section-dynamics",
            heading="Talk dynamics",
            intro="Time metrics are unavailable (never 0) when turns carry no time.",
            tables=talk_tables(analysis.dynamics),
        ),
    ]
    if analysis.trace is not None:
        sections.append(
            ReportSection(
                id="section-flow",
                heading="Dialogue flow",
                intro="Path: " + (" → ".join(analysis.trace.path()) or "(no customer intent)"),
                tables=(trace_table(analysis.trace),),
            )
        )
    return Report(
        title=f"Conversation analysis: {clip(analysis.conversation_id, 80)}",
        facts=_facts(analysis),
        sections=tuple(sections),
    )
