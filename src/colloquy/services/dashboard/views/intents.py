"""Intents: what customers come for, what is rising, and examples of each."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import plotly.express as px  # type: ignore[import-untyped]
import streamlit as st

from colloquy.analytics.report.charts import intent_chart
from colloquy.errors import ColloquyError
from colloquy.schema import Speaker
from colloquy.services.dashboard import data, shell, widgets
from colloquy.services.dashboard.exports import PageReport
from colloquy.services.dashboard.models_data import confusion_hot_spots

if TYPE_CHECKING:
    from colloquy.storage import Store

TITLE = "Intents"
EXAMPLES = 5


@st.cache_resource(show_spinner=False, ttl=600)
def _examples(_store: Store, url: str, dataset: str, ids: tuple[str, ...]) -> list[str]:
    """The first customer turn of each conversation (read once, then cached)."""
    texts = []
    for conversation in _store.conversations_by_id(dataset, ids):
        first = next((t.text for t in conversation.turns if t.speaker is Speaker.CUSTOMER), "")
        texts.append(first)
    return texts


def _confusions(context: shell.PageContext, report: PageReport) -> None:
    try:
        spots = confusion_hot_spots(context.settings) if context.settings is not None else None
    except ColloquyError as exc:
        st.warning(f"The model registry cannot be read: {exc.one_line()}")
        return
    if spots is None:
        st.info(
            "No registered intent model with an evaluation. Register one with "
            "`colloquy pipeline run configs/banking77_intent.yaml`."
        )
        return
    st.caption(f"{spots.model}: the label pairs it confuses most on its evaluation set.")
    widgets.table(report, "Confusion hot spots", spots.frame, key="intent-confusions")


def render() -> None:
    page = shell.analysis_page(TITLE)
    if page is None:
        return
    context, report, loaded = page.context, page.report, page.loaded
    view = page.view
    records = page.records
    intents = view.intents
    oos = data.out_of_scope_share(records)
    cols = st.columns(3)
    cols[0].metric("Conversations with an intent", f"{intents.conversations - intents.unknown:,}")
    cols[1].metric("Distinct intents", f"{len(intents.shares):,}")
    cols[2].metric("Out of scope or unknown", widgets.percent(oos))
    report.facts += [
        ("Distinct intents", str(len(intents.shares))),
        ("Out of scope or unknown", widgets.percent(oos)),
    ]
    shares = pd.DataFrame(
        [{"intent": s.intent, "conversations": s.count, "share": s.share} for s in intents.shares],
        columns=["intent", "conversations", "share"],
    )
    if intents.shares:
        widgets.report_chart(report, intent_chart(intents), shares, key="intent-dist")
    else:
        st.info(
            "These conversations carry no intent. Analyse with an intent model: "
            f"`colloquy analyze {loaded.dataset} --intent-model models/banking77-intent`."
        )
    counts = pd.DataFrame(
        [
            {"day": c.day.isoformat(), "intent": c.intent, "conversations": c.conversations}
            for c in data.intent_counts(records)
        ],
        columns=["day", "intent", "conversations"],
    )
    top = list(shares["intent"].head(8))
    trend = counts[counts["intent"].isin(top)]
    if not trend.empty and trend["day"].nunique() > 1:
        fig = px.line(trend, x="day", y="conversations", color="intent", markers=True)
        widgets.figure(report, "Top intents per day", fig, counts, key="intent-trend")
    rising = pd.DataFrame(
        [
            {
                "intent": r.intent,
                "earlier_share": r.earlier_share,
                "later_share": r.later_share,
                "change_pts": round(r.change * 100, 2),
            }
            for r in data.rising_intents(records)
        ],
        columns=["intent", "earlier_share", "later_share", "change_pts"],
    )
    widgets.table(
        report,
        "Top rising intents (later half of the period vs earlier)",
        rising,
        key="intent-rising",
    )
    if intents.shares and context.store is not None:
        chosen = st.selectbox("Examples of intent", list(shares["intent"]), key="intent_examples")
        ids = tuple(r.conversation_id for r in records if r.intent == chosen)[:EXAMPLES]
        texts = _examples(context.store, context.url, loaded.dataset, ids)
        examples = pd.DataFrame({"conversation": ids[: len(texts)], "first customer turn": texts})
        widgets.table(report, f"Examples of {chosen}", examples, key="intent-examples")
    st.subheader("Confusion hot spots of the current intent model")
    if not st.toggle("Read them from the model registry", key="intent_confusions"):
        st.caption("The pairs of intents the registered model mixes up most on its test set.")
    else:
        _confusions(context, report)
    widgets.pdf_button(report)
