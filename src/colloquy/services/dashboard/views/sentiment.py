"""Sentiment: per-speaker trends, channels and brands, and the worst conversations."""

from __future__ import annotations

import pandas as pd
import plotly.express as px  # type: ignore[import-untyped]
import streamlit as st

from colloquy.analytics.report.charts import csat_chart, trend_chart
from colloquy.analytics.report.dataset import sentiment_tables, sentiment_trend_lines
from colloquy.services.dashboard import data, shell, widgets

TITLE = "Sentiment"


def render() -> None:
    page = shell.analysis_page(TITLE)
    if page is None:
        return
    report, view = page.report, page.view
    summary = view.sentiment
    report.facts += [
        ("Model", summary.model),
        ("Conversations scored", f"{summary.scored:,}"),
        ("Skipped (non-English)", f"{summary.skipped:,}"),
    ]
    for i, table in enumerate(sentiment_tables(summary)):
        frame = pd.DataFrame(list(table.rows), columns=list(table.columns))
        widgets.table(report, table.title, frame, key=f"sentiment-table-{i}")
        if table.note:
            st.caption(table.note)
    records = page.records
    points = data.speaker_trend(records)
    if len({p.day for p in points}) > 1:
        per_speaker = pd.DataFrame(
            [
                {
                    "day": p.day.isoformat(),
                    "speaker": p.speaker,
                    "mean polarity": p.mean,
                    "conversations": p.conversations,
                }
                for p in points
            ],
            columns=["day", "speaker", "mean polarity", "conversations"],
        )
        fig = px.line(per_speaker, x="day", y="mean polarity", color="speaker", markers=True)
        widgets.figure(
            report,
            "Sentiment per speaker over time",
            fig,
            per_speaker,
            key="sentiment-speakers-trend",
        )
    lines = sentiment_trend_lines(summary)
    if lines is not None:
        trend = pd.DataFrame(
            {
                "bucket": lines[0].days,
                lines[0].name: lines[0].values,
                lines[1].name: lines[1].values,
            }
        )
        chart = trend_chart(
            "sentiment-trend",
            "Customer sentiment over time",
            (lines[0],),
            y_title="mean compound",
            percent=False,
        )
        widgets.report_chart(report, chart, trend, key="sentiment-trend")
    bins = pd.DataFrame(
        [{"csat": b.score, "conversations": b.count} for b in summary.csat_bins],
        columns=["csat", "conversations"],
    )
    if summary.csat_bins:
        widgets.report_chart(report, csat_chart(summary.csat_bins), bins, key="csat")
    for key in ("channel", "brand"):
        groups = data.sentiment_by(records, key)
        if len(groups) < 2:
            continue
        frame = pd.DataFrame(
            [
                {key: g.group, "conversations": g.conversations, "customer mean": g.customer_mean}
                for g in groups[:20]
            ],
            columns=[key, "conversations", "customer mean"],
        )
        fig = px.bar(frame, x=key, y="customer mean", hover_data=["conversations"])
        widgets.figure(report, f"Customer sentiment by {key}", fig, frame, key=f"sentiment-{key}")
    worst = pd.DataFrame(
        [
            {
                "conversation": r.conversation_id,
                "customer mean": round(mean, 3),
                "csat estimate": None if r.sentiment is None else r.sentiment.csat_estimate,
                "channel": r.channel,
                "brand": r.brand or "",
                "turns": r.n_turns,
            }
            for r, mean in data.worst_conversations(records)
        ],
        columns=["conversation", "customer mean", "csat estimate", "channel", "brand", "turns"],
    )
    widgets.table(
        report, "Worst conversations (lowest customer sentiment)", worst, key="sentiment-worst"
    )
    widgets.pdf_button(report)
