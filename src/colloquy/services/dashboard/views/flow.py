"""Flow: the Sankey of where conversations go, and the failures at each step."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import streamlit as st

from colloquy.analytics.report.charts import sankey_chart
from colloquy.services.dashboard import data, navigation, shell, widgets

TITLE = "Flow"
STEP_KEY = "step"
"""Query parameter (and session key) the failure page reads its step from."""


def render() -> None:
    page = shell.analysis_page(TITLE)
    if page is None:
        return
    context, report, loaded = page.context, page.report, page.loaded
    view = page.view
    flow = view.flow
    report.facts += [
        ("Conversations traced", f"{flow.conversations:,}"),
        ("Without a trace", f"{flow.untraced:,}"),
        ("Flow level", flow.level.value),
    ]
    if not flow.edges:
        st.info(
            "No conversation here has dialogue states to trace. Datasets with annotated "
            "states (SGD) trace as they are; others need an intent model: "
            f"`colloquy analyze {loaded.dataset} --intent-model models/banking77-intent`."
        )
        widgets.pdf_button(report)
        return
    edges = pd.DataFrame(
        [
            {"from": e.source, "to": e.target, "count": e.count, "share": e.share}
            for e in flow.edges
        ],
        columns=["from", "to", "count", "share"],
    )
    widgets.report_chart(report, sankey_chart(flow.edges, flow.conversations), edges, key="sankey")
    records = page.records
    failures = data.failure_rows(records, flow.level)
    at_step = Counter(row.step for row in failures if row.step)
    steps = pd.DataFrame(
        [
            {"step": node.name, "visits": node.count, "failure points": at_step.get(node.name, 0)}
            for node in flow.nodes
        ],
        columns=["step", "visits", "failure points"],
    ).sort_values(["failure points", "visits"], ascending=False)
    widgets.table(report, "Steps and the failure points at each", steps, key="flow-steps")
    failing = [str(s) for s in steps[steps["failure points"] > 0]["step"]]
    if failing:
        step = st.selectbox("Step", failing, key="flow_step")
        if st.button(f"Show failure points at {step}", key="flow_to_failures", type="primary"):
            st.session_state[STEP_KEY] = step
            st.switch_page(
                navigation.page("failures"),
                query_params={**context.filters.to_query(), STEP_KEY: step},
            )
    else:
        st.caption("No failure point falls in a traced step for these filters.")
    paths = pd.DataFrame(
        [{"path": " → ".join(p.nodes) or "(empty)", "conversations": p.count} for p in flow.paths],
        columns=["path", "conversations"],
    )
    widgets.table(report, "Most frequent whole paths", paths, key="flow-paths")
    widgets.pdf_button(report)
