"""Monitoring: drift per feature and over time, alerts with acknowledge buttons.

Drift scores are read from the metric-points file ``colloquy monitor report --metrics-out``
appends to (``--drift-metrics``, by default ``<home>/drift-metrics.jsonl``), the same file
``colloquy monitor run --metrics`` alerts on; alerts are the store's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import plotly.express as px  # type: ignore[import-untyped]
import streamlit as st

from colloquy.errors import ColloquyError
from colloquy.services.dashboard import shell, widgets
from colloquy.services.dashboard.exports import PageReport

if TYPE_CHECKING:
    from colloquy.storage import Store
    from colloquy.storage.alerts import AlertRecord

TITLE = "Monitoring"
DRIFT_FILE = "drift-metrics.jsonl"
_FEATURE = re.compile(
    r"^drift\.(?P<ref>[^.]+)\.feature\.(?P<feature>.+)\.(?P<what>statistic|drifted)$"
)
_SHARE = re.compile(r"^drift\.(?P<ref>[^.]+)\.share$")


def drift_path(context: shell.PageContext) -> Path | None:
    if context.config.drift_metrics is not None:
        return context.config.drift_metrics
    if context.settings is None:
        return None
    return context.settings.resolved_home / DRIFT_FILE


def open_alerts(store: Store) -> list[AlertRecord]:
    """Firing alerts nobody has acknowledged, newest first (the banner's)."""
    from colloquy.storage.alerts import AlertRepository, AlertState

    return AlertRepository(store).history(state=AlertState.OPEN, unacknowledged=True)


def _drift(report: PageReport, path: Path) -> None:
    from colloquy.monitoring.alerts.series import read_series

    try:
        series = read_series(path)
    except ColloquyError as exc:
        st.warning(f"The drift metrics file cannot be read: {exc.one_line()}")
        return
    shares = pd.DataFrame(
        [
            {
                "reference": m.group("ref"),
                "at (UTC)": p.at.replace(tzinfo=None),
                "drifted share": p.value,
            }
            for name, points in series.items()
            if (m := _SHARE.match(name))
            for p in points
        ],
        columns=["reference", "at (UTC)", "drifted share"],
    )
    if not shares.empty:
        fig = px.line(shares, x="at (UTC)", y="drifted share", color="reference", markers=True)
        widgets.figure(
            report, "Share of drifted features over time", fig, shares, key="drift-share"
        )
    latest: dict[tuple[str, str], dict[str, object]] = {}
    for name, points in series.items():
        m = _FEATURE.match(name)
        if m is None or not points:
            continue
        last = max(points, key=lambda p: p.at)
        row = latest.setdefault(
            (m.group("ref"), m.group("feature")),
            {
                "reference": m.group("ref"),
                "feature": m.group("feature"),
                "at (UTC)": last.at.replace(tzinfo=None),
            },
        )
        row[m.group("what")] = last.value
    features = pd.DataFrame(
        list(latest.values()), columns=["reference", "feature", "statistic", "drifted", "at (UTC)"]
    )
    if not features.empty:
        features = features.sort_values(["drifted", "statistic"], ascending=False)
    widgets.table(report, "Drift per feature (latest check)", features, key="drift-features")


def _alerts(report: PageReport, store: Store) -> None:
    from colloquy.storage.alerts import AlertRepository

    repo = AlertRepository(store)
    history = repo.history(limit=200)
    firing = [a for a in history if a.state.value == "open" and a.acknowledged_at is None]
    report.facts.append(("Alerts firing, unacknowledged", str(len(firing))))
    st.subheader("Alerts")
    if not history:
        st.info(
            "No alert has fired. `colloquy monitor run --rules alerts.yaml --metrics FILE` "
            "evaluates rules and records what fires."
        )
    for alert in firing:
        with st.container(border=True):
            cols = st.columns([4, 1])
            cols[0].markdown(
                f"**{alert.rule}** ({alert.severity}): {alert.metric} = {alert.value:.4g} "
                f"against {alert.threshold:.4g}, firing since {alert.fired_at:%Y-%m-%d %H:%M} UTC"
            )
            if cols[1].button("Acknowledge", key=f"ack-{alert.id}"):
                repo.acknowledge(alert.id, by="dashboard")
                st.rerun()
    frame = pd.DataFrame(
        [
            {
                "id": a.id,
                "rule": a.rule,
                "severity": a.severity,
                "state": a.state.value,
                "metric": a.metric,
                "value": a.value,
                "threshold": a.threshold,
                "fired": f"{a.fired_at:%Y-%m-%d %H:%M}",
                "acknowledged by": a.acknowledged_by or "",
                "resolved": "" if a.resolved_at is None else f"{a.resolved_at:%Y-%m-%d %H:%M}",
            }
            for a in history
        ],
        columns=[
            "id",
            "rule",
            "severity",
            "state",
            "metric",
            "value",
            "threshold",
            "fired",
            "acknowledged by",
            "resolved",
        ],
    )
    widgets.table(report, "Alert history", frame, key="alert-history")


def render() -> None:
    opened = shell.store_page(TITLE)
    if opened is None:
        return
    context, report, store = opened
    st.subheader("Drift")
    path = drift_path(context)
    if path is not None and path.is_file():
        st.caption(f"Drift scores from {path}.")
        _drift(report, path)
    else:
        st.info(
            "No drift scores yet. Take a reference snapshot and check current data against it; "
            "each check appends its scores here:"
        )
        st.code(
            "colloquy monitor snapshot baseline --from twitter\n"
            f"colloquy monitor report --reference baseline --current twitter --metrics-out {path}",
            language="bash",
        )
    _alerts(report, store)
    widgets.pdf_button(report)
