"""``colloquy monitor``: reference snapshots and drift reports against them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from colloquy.services.cli.context import state
from colloquy.services.cli.options import FormatOption
from colloquy.services.cli.render import OutputFormat, print_json, print_mapping, print_table

if TYPE_CHECKING:
    from colloquy.features.embeddings import Embedder
    from colloquy.monitoring.check import DriftReport
    from colloquy.monitoring.reference import ReferenceSnapshot
    from colloquy.storage.store import Store

monitor_app = typer.Typer(
    help="Watch data, text and predictions for drift against a reference.",
    no_args_is_help=True,
)
app = monitor_app

SinceOption = Annotated[
    datetime | None,
    typer.Option("--since", help="Only rows at or after this time (ISO 8601, UTC if naive)."),
]
UntilOption = Annotated[
    datetime | None, typer.Option("--until", help="Only rows before this time (ISO 8601).")
]
TimeColumnOption = Annotated[
    str,
    typer.Option("--time-column", help="The column --since/--until apply to (files only)."),
]


@monitor_app.command("snapshot")
def snapshot(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            help="Name of the reference snapshot; model:NAME makes it the reference "
            "`monitor report --model NAME` uses."
        ),
    ],
    source: Annotated[
        str, typer.Option("--from", help="A stored dataset name or a CSV/Parquet/JSONL file.")
    ],
    text_field: Annotated[
        list[str] | None,
        typer.Option("--text-field", help="A text column to check with the domain classifier."),
    ] = None,
    label_field: Annotated[
        str | None, typer.Option("--label-field", help="The label or prediction column.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the snapshot to this JSON file instead of the store."),
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    time_column: TimeColumnOption = "started_at",
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Record the statistics drift will be measured against."""
    from colloquy.monitoring.frames import LABEL_FIELD, TEXT_FIELD
    from colloquy.monitoring.inputs import load_frame
    from colloquy.monitoring.reference import build_snapshot, store_snapshot, write_snapshot

    is_file = Path(source).exists()
    texts = tuple(text_field or ())
    label = label_field
    if is_file:
        frame = load_frame(source, since=since, until=until, time_column=time_column)
        taken = None
    else:
        with state(ctx).open_store() as store:
            frame = load_frame(source, store=store, since=since, until=until)
        texts = texts or (TEXT_FIELD,)
        label = label or LABEL_FIELD
        taken = source
    made = build_snapshot(name, frame, source=taken or source, text_fields=texts, label_field=label)
    if out is not None:
        where = str(write_snapshot(made, out))
    else:
        with state(ctx).open_store() as store:
            store_snapshot(store, made)
        where = "store"
    payload = {
        "name": made.name,
        "source": made.source,
        "rows": made.rows,
        "features": len(made.features),
        "text_fields": ", ".join(t.field for t in made.texts),
        "saved_to": where,
    }
    if fmt is OutputFormat.JSON:
        print_json(payload)
    else:
        print_mapping("reference snapshot", payload)


def _reference(store_ctx: typer.Context, reference: str) -> ReferenceSnapshot:
    from colloquy.monitoring.reference import load_stored_snapshot, read_snapshot

    path = Path(reference)
    if path.exists() or path.suffix.lower() == ".json":
        return read_snapshot(path)
    with state(store_ctx).open_store() as store:
        return load_stored_snapshot(store, reference)


def _model_reference(ctx: typer.Context, model: str | None) -> ReferenceSnapshot:
    from colloquy.monitoring.model_reference import load_model_reference

    assert model is not None
    with state(ctx).open_store() as store:
        return load_model_reference(store, model, settings=state(ctx).settings)


def _embedder(ctx: typer.Context) -> Embedder:
    from colloquy.features.embeddings import EmbeddingCache, get_embedder
    from colloquy.features.embeddings.cache import default_cache_path

    return get_embedder(cache=EmbeddingCache(default_cache_path(state(ctx).settings.resolved_home)))


def _payload(report: DriftReport) -> dict[str, object]:
    data = report.dataset
    return {
        "reference": report.reference,
        "current": report.current,
        "drifted": report.drifted,
        "rule": data.rule,
        "tested": data.tested,
        "drifted_features": data.drifted_count,
        "share": data.share,
        "share_threshold": data.share_threshold,
        "reference_rows": data.reference_rows,
        "current_rows": data.current_rows,
        "features": [
            {
                "feature": f.feature,
                "kind": f.kind,
                "status": f.status,
                "method": f.method,
                "statistic": f.statistic,
                "p_value": f.p_value,
                "threshold": f.threshold,
                "reference_missing": f.reference_missing,
                "current_missing": f.current_missing,
                "detail": f.detail,
            }
            for f in data.features
        ],
        "texts": [
            {
                "field": t.field,
                "drifted": t.drifted,
                "roc_auc": t.roc_auc,
                "p_value": t.p_value,
                "auc_floor": t.auc_floor,
                "novel_share": t.novel_share,
                "novel_p_value": t.novel_p_value,
                "centroid_distance": t.centroid_distance,
                "telling_words": list(t.telling_words),
                "telling_texts": list(t.telling_texts),
            }
            for t in report.texts
        ],
        "texts_skipped": [{"field": s.field, "reason": s.reason} for s in report.texts_skipped],
    }


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


@monitor_app.command("report")
def report(
    ctx: typer.Context,
    current: Annotated[
        str, typer.Option("--current", help="A stored dataset name or a CSV/Parquet/JSONL file.")
    ],
    reference: Annotated[
        str | None,
        typer.Option("--reference", help="A stored snapshot name or a snapshot JSON file."),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Use this model's reference: NAME (latest evaluated), NAME/VERSION, NAME@ALIAS.",
        ),
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write an HTML report with plots here.")
    ] = None,
    rule: Annotated[
        str,
        typer.Option(
            "--rule",
            help="colloquy (p-value and effect-size floor) or evidently (its defaults).",
        ),
    ] = "colloquy",
    sensitivity: Annotated[
        str, typer.Option("--sensitivity", help="low, medium or high (colloquy rule).")
    ] = "medium",
    share: Annotated[
        float,
        typer.Option("--share", help="Share of drifted features that makes the dataset drift."),
    ] = 0.5,
    metrics_out: Annotated[
        Path | None,
        typer.Option(
            "--metrics-out",
            help="Append the drift scores as metric points (JSON lines) for `monitor run`.",
        ),
    ] = None,
    no_text: Annotated[
        bool, typer.Option("--no-text", help="Skip text drift (no embedding model needed).")
    ] = False,
    since: SinceOption = None,
    until: UntilOption = None,
    time_column: TimeColumnOption = "started_at",
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Compare current data with a reference: per-feature drift, text drift, the verdict."""
    from colloquy.errors import UsageError
    from colloquy.monitoring.check import run_check
    from colloquy.monitoring.drift.rules import SENSITIVITIES, ColloquyRule, EvidentlyRule
    from colloquy.monitoring.html import render_html
    from colloquy.monitoring.inputs import load_frame

    if sensitivity not in SENSITIVITIES:
        raise UsageError(
            f"unknown --sensitivity {sensitivity!r}", hint=f"use {', '.join(SENSITIVITIES)}"
        )
    if rule == "colloquy":
        chosen: ColloquyRule | EvidentlyRule = ColloquyRule(sensitivity=sensitivity)
    elif rule == "evidently":
        chosen = EvidentlyRule()
    else:
        raise UsageError(f"unknown --rule {rule!r}", hint="use colloquy or evidently")
    if (reference is None) == (model is None):
        raise UsageError(
            "give either --model NAME or --reference SNAPSHOT",
            hint="--model uses the snapshot taken when the model was trained",
        )
    snap = _reference(ctx, reference) if reference is not None else _model_reference(ctx, model)
    store: Store | None = None
    if not Path(current).exists():
        store = state(ctx).open_store()
    try:
        frame = load_frame(current, store=store, since=since, until=until, time_column=time_column)
    finally:
        if store is not None:
            store.close()
    if model is not None:
        from colloquy.monitoring.model_reference import align_columns

        frame = align_columns(snap, frame)
    embedder = None
    if snap.texts and not no_text:
        embedder = _embedder(ctx)
    result = run_check(
        snap, frame, chosen, current=current, share_threshold=share, embedder=embedder
    )
    if html is not None:
        render_html(result, snap, html)
    if metrics_out is not None:
        from datetime import UTC

        from colloquy.monitoring.alerts.drift_points import append_points, drift_points

        append_points(metrics_out, drift_points(result, datetime.now(UTC)))
    if fmt is OutputFormat.JSON:
        print_json(_payload(result))
        return
    data = result.dataset
    print_table(
        f"drift: {'DRIFT' if result.drifted else 'no drift'} "
        f"({data.drifted_count}/{data.tested} features, rule {data.rule})",
        ("feature", "kind", "status", "method", "score", "p-value", "threshold"),
        [
            (
                f.feature,
                f.kind,
                f.status,
                f.method,
                _num(f.statistic),
                _num(f.p_value),
                _num(f.threshold),
            )
            for f in data.features
        ],
    )
    for text in result.texts:
        print_mapping(
            f"text field {text.field}",
            {
                "drifted": text.drifted,
                "roc_auc": round(text.roc_auc, 4),
                "novel_share": round(text.novel_share, 4),
                "centroid_distance": round(text.centroid_distance, 5),
                "telling_words": ", ".join(text.telling_words),
            },
        )
    for skipped in result.texts_skipped:
        print_mapping(f"text field {skipped.field}", {"skipped": skipped.reason})


# `monitor run` (alert evaluation) lives in its own module and registers itself here.
import colloquy.services.cli.monitor_run_cmd  # noqa: E402, F401
