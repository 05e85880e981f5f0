"""Models: the registry (versions, aliases, metrics, dataset versions) and training jobs."""

from __future__ import annotations

import streamlit as st

from colloquy.errors import ColloquyError
from colloquy.services.dashboard import shell, widgets
from colloquy.services.dashboard.models_data import jobs_frame, registry_versions, versions_frame

TITLE = "Models"


def render() -> None:
    opened = shell.store_page(TITLE)
    if opened is None:
        return
    context, report, store = opened
    settings = context.settings
    if settings is None:
        return
    st.subheader("Model registry")
    try:
        versions = registry_versions(settings, settings.resolved_mlflow_tracking_uri)
    except ColloquyError as exc:
        st.warning(f"The model registry cannot be read: {exc.one_line()}")
        versions = ()
    if versions:
        frame = versions_frame(versions)
        report.facts.append(("Registered versions", str(len(frame))))
        report.facts.append(("Models", str(frame["model"].nunique())))
        widgets.table(report, "Registered model versions", frame, key="registry")
    else:
        st.info(
            "No registered model yet. Train and register one with "
            "`colloquy pipeline run configs/banking77_intent.yaml`; "
            "`colloquy models list` shows the same registry."
        )
    st.subheader("Training jobs")

    @st.fragment(run_every=context.config.refresh_seconds)
    def jobs() -> None:
        frame = jobs_frame(store)
        if frame.empty:
            st.info("No jobs yet. `POST /v1/jobs/train` or `colloquy serve` workers create them.")
            return
        active = int(frame["state"].isin(["queued", "running"]).sum())
        st.caption(
            f"{len(frame)} jobs, {active} queued or running; refreshed every "
            f"{context.config.refresh_seconds} s."
        )
        widgets.table(
            report,
            "Jobs",
            frame,
            key="jobs",
            column_config={
                "progress": st.column_config.ProgressColumn(
                    "progress", min_value=0.0, max_value=1.0, format="percent"
                )
            },
        )

    jobs()
    widgets.pdf_button(report)
