"""Reference snapshots: the statistics of the data a model was trained on.

A snapshot keeps, per feature, a uniform sample of numeric values (enough for KS and
Wasserstein) or the category counts; per text field a sample of texts (embedded again,
through the embedding cache, when text drift is checked); and the label and prediction
mix. It is JSON, so it can sit next to a model's files or in the store
(``monitoring_references``), and a report can be rebuilt from it years later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from colloquy.errors import DataError, NotFoundError
from colloquy.monitoring.drift.base import FeatureKind
from colloquy.monitoring.drift.summary import DEFAULT_SAMPLE_CAP, FeatureSummary, summarize

if TYPE_CHECKING:
    from colloquy.storage.store import Store

FORMAT = "colloquy.monitoring.reference/1"
DEFAULT_TEXT_CAP = 2000


@dataclass(frozen=True, slots=True)
class TextSample:
    """A uniform sample of one text field's non-empty values."""

    field: str
    rows: int
    texts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReferenceSnapshot:
    """Everything drift is measured against, for one model or one stretch of data."""

    name: str
    source: str
    created_at: datetime
    rows: int
    features: tuple[FeatureSummary, ...]
    texts: tuple[TextSample, ...] = ()
    label_field: str | None = None
    skipped: tuple[str, ...] = field(default=())

    def feature(self, name: str) -> FeatureSummary | None:
        return next((f for f in self.features if f.name == name), None)


def build_snapshot(
    name: str,
    frame: pd.DataFrame,
    *,
    source: str,
    text_fields: tuple[str, ...] = (),
    label_field: str | None = None,
    skip: tuple[str, ...] = (),
    sample_cap: int = DEFAULT_SAMPLE_CAP,
    text_cap: int = DEFAULT_TEXT_CAP,
    seed: int = 0,
) -> ReferenceSnapshot:
    """A snapshot of ``frame``: text fields sampled, every other column summarized."""
    if frame.empty:
        raise DataError(
            f"cannot make reference {name!r}: the data has no rows",
            hint="check the dataset name and the --since/--until window",
        )
    missing = [f for f in text_fields if f not in frame.columns]
    if missing:
        raise DataError(
            f"text field(s) {', '.join(missing)} not in the data "
            f"(columns: {', '.join(map(str, frame.columns))})",
            hint="pass --text-field with one of the listed columns",
        )
    rng = np.random.default_rng(seed)
    texts: list[TextSample] = []
    for text_field in text_fields:
        values = [str(v) for v in frame[text_field].dropna() if str(v).strip()]
        if len(values) > text_cap:
            values = [values[i] for i in sorted(rng.choice(len(values), text_cap, replace=False))]
        texts.append(TextSample(text_field, int(frame[text_field].notna().sum()), tuple(values)))
    features = tuple(
        summarize(str(column), frame[column], sample_cap=sample_cap, seed=seed)
        for column in frame.columns
        if column not in text_fields and column not in skip
    )
    return ReferenceSnapshot(
        name=name,
        source=source,
        created_at=datetime.now(UTC),
        rows=len(frame),
        features=features,
        texts=tuple(texts),
        label_field=label_field if label_field in frame.columns else None,
        skipped=skip,
    )


def _feature_json(summary: FeatureSummary) -> dict[str, object]:
    return {
        "name": summary.name,
        "kind": summary.kind,
        "rows": summary.rows,
        "missing": summary.missing,
        "values": summary.values.tolist(),
        "counts": summary.counts,
    }


def to_json(snapshot: ReferenceSnapshot) -> str:
    return json.dumps(
        {
            "format": FORMAT,
            "name": snapshot.name,
            "source": snapshot.source,
            "created_at": snapshot.created_at.isoformat(),
            "rows": snapshot.rows,
            "label_field": snapshot.label_field,
            "skipped": list(snapshot.skipped),
            "features": [_feature_json(f) for f in snapshot.features],
            "texts": [
                {"field": t.field, "rows": t.rows, "texts": list(t.texts)} for t in snapshot.texts
            ],
        }
    )


def _kind(value: object) -> FeatureKind:
    if value == "numeric":
        return "numeric"
    if value == "categorical":
        return "categorical"
    raise ValueError(f"unknown feature kind {value!r}")


def from_json(document: str, *, where: str) -> ReferenceSnapshot:
    """Read a snapshot back; a foreign or damaged document is a :class:`DataError`."""
    try:
        data = json.loads(document)
        if data.get("format") != FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, expected {FORMAT!r}")
        features = tuple(
            FeatureSummary(
                name=str(f["name"]),
                kind=_kind(f["kind"]),
                rows=int(f["rows"]),
                missing=int(f["missing"]),
                values=np.asarray(f["values"], dtype=np.float64),
                counts={str(k): int(v) for k, v in f["counts"].items()},
            )
            for f in data["features"]
        )
        texts = tuple(
            TextSample(str(t["field"]), int(t["rows"]), tuple(str(x) for x in t["texts"]))
            for t in data["texts"]
        )
        return ReferenceSnapshot(
            name=str(data["name"]),
            source=str(data["source"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            rows=int(data["rows"]),
            features=features,
            texts=texts,
            label_field=data.get("label_field"),
            skipped=tuple(data.get("skipped", ())),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DataError(
            f"{where} is not a colloquy reference snapshot: {exc}",
            hint="make one with `colloquy monitor snapshot`",
        ) from exc


def write_snapshot(snapshot: ReferenceSnapshot, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_json(snapshot), encoding="utf-8")
    return path


def read_snapshot(path: Path) -> ReferenceSnapshot:
    if not path.is_file():
        raise NotFoundError(
            f"reference snapshot {path} does not exist",
            hint="make one with `colloquy monitor snapshot --out FILE`",
        )
    return from_json(path.read_text(encoding="utf-8"), where=str(path))


def store_snapshot(store: Store, snapshot: ReferenceSnapshot) -> None:
    from colloquy.storage.monitoring import save_reference

    save_reference(
        store, snapshot.name, source=snapshot.source, rows=snapshot.rows, document=to_json(snapshot)
    )


def load_stored_snapshot(store: Store, name: str) -> ReferenceSnapshot:
    from colloquy.storage.monitoring import load_reference

    row = load_reference(store, name)
    return from_json(row.document, where=f"stored reference {name!r}")
