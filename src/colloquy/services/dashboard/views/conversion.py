"""Conversion: the funnel, the score of open conversations, why one scored as it did, and a
turn-by-turn replay of a call as the live scorer saw it.

The funnel comes from the stored analyses. Scores, explanations and replays need the
conversion model given to ``colloquy dashboard --conversion-model`` (a directory or
``NAME@ALIAS``); it is loaded once per process and its answers are cached per conversation.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pandas as pd
import plotly.express as px  # type: ignore[import-untyped]
import plotly.graph_objects as go  # type: ignore[import-untyped]
import streamlit as st

from colloquy.analytics.analysis.records import ConversationAnalysis
from colloquy.errors import ColloquyError
from colloquy.services.dashboard import shell, widgets
from colloquy.services.dashboard.exports import PageReport

if TYPE_CHECKING:
    from colloquy.config import Settings
    from colloquy.models.explanation import Explanation
    from colloquy.pipelines.conversion_model import ConversionModel
    from colloquy.schema import Conversation

TITLE = "Conversion"
MAX_SCORED = 100
"""Open conversations scored for the distribution (the newest first)."""
REPLAY_PAUSE_S = 0.4


@st.cache_resource(show_spinner="Loading the conversion model…")
def _model(_settings: Settings, reference: str) -> ConversionModel:
    from colloquy.pipelines.conversion_model import load_conversion_model
    from colloquy.tracking.registry import resolve_model_reference

    resolved = resolve_model_reference(reference, settings=_settings)
    return load_conversion_model(resolved.path)


@st.cache_resource(show_spinner=False, max_entries=256)
def _conversations(
    _context: shell.PageContext, url: str, dataset: str, ids: tuple[str, ...]
) -> tuple[Conversation, ...]:
    assert _context.store is not None
    return tuple(_context.store.conversations_by_id(dataset, ids))


@st.cache_resource(show_spinner="Scoring…", max_entries=64)
def _scores(
    _model: ConversionModel,
    reference: str,
    url: str,
    dataset: str,
    ids: tuple[str, ...],
    _conversations: tuple[Conversation, ...],
) -> tuple[float, ...]:
    return tuple(_model.probabilities(list(_conversations)))


@st.cache_resource(show_spinner="Explaining…", max_entries=128)
def _explain(
    _model: ConversionModel,
    reference: str,
    url: str,
    dataset: str,
    conversation_id: str,
    _conversation: Conversation,
) -> tuple[Explanation, list[float]]:
    return _model.explain(_conversation), _model.predictor.running_scores(_conversation)


def _has_customer(conversation: Conversation) -> bool:
    from colloquy.schema import Speaker

    return any(t.speaker is Speaker.CUSTOMER and t.text.strip() for t in conversation.turns)


def _funnel(report: PageReport, records: list[ConversationAnalysis]) -> None:
    known = [r for r in records if r.outcome.converted is not None]
    converted = [r for r in known if r.outcome.converted]
    stages = pd.DataFrame(
        {
            "stage": ["conversations", "outcome known", "converted"],
            "conversations": [len(records), len(known), len(converted)],
        }
    )
    fig = go.Figure(
        go.Funnel(y=stages["stage"], x=stages["conversations"], textinfo="value+percent initial")
    )
    widgets.figure(report, "Conversion funnel", fig, stages, key="funnel")
    rate = len(converted) / len(known) if known else None
    report.facts.append(("Conversion rate (outcome known)", widgets.percent(rate)))


def _no_model(dataset: str) -> None:
    st.info(
        "No conversion model is loaded, so there are no scores, explanations or replays. "
        "Train one and start the dashboard with it:"
    )
    st.code(
        "colloquy train conversion --source craigslist_bargain "
        '--data "$COLLOQUY_DATA_DIR/craigslist_bargain" --output models/craigslist-conversion\n'
        "colloquy dashboard --conversion-model models/craigslist-conversion",
        language="bash",
    )


def _explanation(report: PageReport, explanation: Explanation) -> None:
    cols = st.columns(2)
    cols[0].metric("Probability of converting", widgets.percent(explanation.probability))
    cols[1].metric("Base rate", widgets.percent(explanation.base_rate))
    blocks = pd.DataFrame(
        [
            {
                "block": b.block,
                "probability": b.probability,
                "log-odds contribution": b.contribution,
            }
            for b in explanation.blocks
        ],
        columns=["block", "probability", "log-odds contribution"],
    )
    fig = px.bar(blocks, x="log-odds contribution", y="block", orientation="h")
    widgets.figure(report, "Block contributions", fig, blocks, key="explain-blocks")
    features = pd.DataFrame(
        [
            {"feature": f.feature, "log-odds": f.contribution, "value": f.value}
            for f in explanation.top_features
        ],
        columns=["feature", "log-odds", "value"],
    )
    widgets.table(report, "Features that mattered most", features, key="explain-features")
    turns = pd.DataFrame(
        [
            {
                "turn": t.turn_index,
                "speaker": t.speaker,
                "text": t.text,
                "effect": t.effect,
                "probability without it": t.probability_without,
            }
            for t in explanation.key_turns
        ],
        columns=["turn", "speaker", "text", "effect", "probability without it"],
    )
    widgets.table(report, "Turns that moved the score", turns, key="explain-turns")


def _replay(conversation: Conversation, running: list[float]) -> None:
    st.subheader("Live-scoring replay")
    if not running:
        st.caption("This conversation has no spoken turn to replay.")
        return
    spoken = [t for t in conversation.turns if t.text.strip()]
    step = st.slider("After turn", 1, len(running), len(running), key="replay_turn")
    play = st.button("Replay turn by turn", key="replay_play")
    chart = st.empty()
    said = st.empty()

    def draw(upto: int) -> None:
        frame = pd.DataFrame({"turn": range(1, upto + 1), "probability": running[:upto]})
        chart.line_chart(frame, x="turn", y="probability", height=220)
        turn = spoken[min(upto, len(spoken)) - 1]
        said.markdown(
            f"After turn {upto} (**{turn.speaker.value}**): probability **{running[upto - 1]:.1%}**"
        )

    if play:
        for upto in range(1, len(running) + 1):
            draw(upto)
            time.sleep(REPLAY_PAUSE_S)
    else:
        draw(step)


def render() -> None:
    page = shell.analysis_page(TITLE)
    if page is None:
        return
    context, report, loaded = page.context, page.report, page.loaded
    records = page.records
    _funnel(report, records)
    reference = context.config.conversion_model
    if reference is None or context.settings is None:
        _no_model(loaded.dataset)
        widgets.pdf_button(report)
        return
    try:
        model = _model(context.settings, reference)
    except ColloquyError as exc:
        st.warning(f"The conversion model {reference!r} cannot be loaded: {exc.one_line()}")
        widgets.pdf_button(report)
        return
    open_ones = [r for r in records if r.outcome.converted is None]
    pool = open_ones or records
    label = "open conversations" if open_ones else "conversations (none is open)"
    newest = sorted(pool, key=lambda r: (r.started_at is not None, r.started_at), reverse=True)
    ids = tuple(r.conversation_id for r in newest[:MAX_SCORED])
    stored = _conversations(context, context.url, loaded.dataset, ids)
    # The model scores what the customer said; a conversation without a customer turn
    # (a seller-only negotiation) has nothing to score.
    conversations = tuple(c for c in stored if _has_customer(c))
    if len(conversations) < len(stored):
        st.caption(
            f"{len(stored) - len(conversations)} conversations without a customer turn "
            "are not scored."
        )
    ids = tuple(c.id for c in conversations)
    try:
        scores = _scores(model, reference, context.url, loaded.dataset, ids, conversations)
    except ColloquyError as exc:
        st.warning(f"Scoring failed: {exc.one_line()}")
        widgets.pdf_button(report)
        return
    scored = pd.DataFrame(
        {"conversation": [c.id for c in conversations], "probability": list(scores)}
    ).sort_values("probability", ascending=False)
    fig = px.histogram(scored, x="probability", nbins=20)
    widgets.figure(
        report, f"Score distribution of {len(scored)} {label}", fig, scored, key="score-dist"
    )
    if scored.empty:
        widgets.pdf_button(report)
        return
    chosen = st.selectbox("Explain conversation", list(scored["conversation"]), key="explain_id")
    conversation = next(c for c in conversations if c.id == chosen)
    try:
        explanation, running = _explain(
            model, reference, context.url, loaded.dataset, str(chosen), conversation
        )
    except ColloquyError as exc:
        st.warning(f"This conversation cannot be explained: {exc.one_line()}")
        widgets.pdf_button(report)
        return
    _explanation(report, explanation)
    _replay(conversation, running)
    widgets.pdf_button(report)
