"""Failure points: what goes wrong most, and the transcript where it went wrong."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from colloquy.services.dashboard import data, shell, widgets
from colloquy.services.dashboard.views import transcript
from colloquy.services.dashboard.views.flow import STEP_KEY

TITLE = "Failure points"
ALL = "(all)"


def _step_choice(steps: list[str]) -> str:
    asked = st.query_params.get(STEP_KEY) or st.session_state.get(STEP_KEY)
    options = [ALL, *steps]
    if "failure_step" not in st.session_state or (
        asked in options and st.session_state.get("_step_asked") != asked
    ):
        st.session_state["failure_step"] = asked if asked in options else ALL
        st.session_state["_step_asked"] = asked
    return str(st.selectbox("Flow step", options, key="failure_step"))


def render() -> None:
    page = shell.analysis_page(TITLE)
    if page is None:
        return
    context, report, loaded = page.context, page.report, page.loaded
    view = page.view
    ranking = view.failures
    report.facts.append(("Conversations checked", f"{ranking.conversations:,}"))
    ranks = pd.DataFrame(
        [
            {
                "failure": r.type.value,
                "points": r.points,
                "conversations": r.conversations,
                "share of conversations": r.share,
                "example": r.example,
            }
            for r in ranking.ranks
        ],
        columns=["failure", "points", "conversations", "share of conversations", "example"],
    )
    widgets.table(report, "Failure types, most frequent first", ranks, key="failure-ranks")
    records = page.records
    rows = data.failure_rows(records, view.flow.level)
    if not rows:
        st.info("No failure point in these conversations.")
        widgets.pdf_button(report)
        return
    cols = st.columns(2)
    with cols[0]:
        kind = st.selectbox(
            "Failure type", [ALL, *sorted({r.type for r in rows})], key="failure_type"
        )
    with cols[1]:
        step = _step_choice(sorted({r.step for r in rows if r.step}))
    chosen = [
        r for r in rows if (kind == ALL or r.type == kind) and (step == ALL or r.step == step)
    ]
    frame = pd.DataFrame(
        [
            {
                "conversation": r.conversation_id,
                "failure": r.type,
                "turn": r.turn_index,
                "confidence": round(r.confidence, 3),
                "step": r.step or "",
                "example": r.example,
            }
            for r in chosen
        ],
        columns=["conversation", "failure", "turn", "confidence", "step", "example"],
    )
    title = "Failure points" + ("" if step == ALL else f" at step {step}")
    widgets.table(report, title, frame, key="failure-points")
    if not chosen:
        widgets.pdf_button(report)
        return
    ids = list(dict.fromkeys(r.conversation_id for r in chosen))
    conversation = st.selectbox("Drill down to conversation", ids, key="failure_conversation")
    marks = {
        r.turn_index: f"{r.type} ({r.confidence:.2f})"
        for r in rows
        if r.conversation_id == conversation
    }
    transcript.show(context, loaded.dataset, str(conversation), marks)
    widgets.pdf_button(report)
