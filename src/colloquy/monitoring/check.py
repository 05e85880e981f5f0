"""One drift check: a reference snapshot against current data, features and texts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from colloquy.features.embeddings import Embedder
from colloquy.monitoring.drift.dataset import DEFAULT_SHARE, compare
from colloquy.monitoring.drift.records import DatasetDrift
from colloquy.monitoring.drift.rules import DriftRule
from colloquy.monitoring.drift.summary import FeatureSummary, summarize
from colloquy.monitoring.drift.text import MIN_TEXTS, TextDrift, text_drift
from colloquy.monitoring.reference import ReferenceSnapshot


@dataclass(frozen=True, slots=True)
class TextSkipped:
    """A text field no classifier could be trained on, and why."""

    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class DriftReport:
    """The dataset verdict, text drift per field, and the current summaries (for plots)."""

    reference: str
    current: str
    dataset: DatasetDrift
    texts: tuple[TextDrift, ...]
    texts_skipped: tuple[TextSkipped, ...]
    current_features: tuple[FeatureSummary, ...]

    @property
    def drifted(self) -> bool:
        return self.dataset.drifted or any(t.drifted for t in self.texts)


def run_check(
    snapshot: ReferenceSnapshot,
    frame: pd.DataFrame,
    rule: DriftRule,
    *,
    current: str,
    share_threshold: float = DEFAULT_SHARE,
    embedder: Embedder | None = None,
    text_cap: int = 2000,
    seed: int = 0,
) -> DriftReport:
    """Compare ``frame`` with ``snapshot``; texts only when an embedder is given."""
    text_fields = {t.field for t in snapshot.texts}
    kinds = {f.name: f.kind for f in snapshot.features}
    summaries = tuple(
        summarize(str(c), frame[c], kind=kinds.get(str(c)))
        for c in frame.columns
        if c not in text_fields and c not in snapshot.skipped
    )
    dataset = compare(snapshot.features, summaries, rule, share_threshold=share_threshold)
    texts: list[TextDrift] = []
    skipped: list[TextSkipped] = []
    rng = np.random.default_rng(seed)
    for sample in snapshot.texts:
        if embedder is None:
            skipped.append(TextSkipped(sample.field, "no embedder (run without --no-text)"))
            continue
        if sample.field not in frame.columns:
            skipped.append(TextSkipped(sample.field, "not in the current data"))
            continue
        now = [str(v) for v in frame[sample.field].dropna() if str(v).strip()]
        if len(now) > text_cap:
            now = [now[i] for i in sorted(rng.choice(len(now), text_cap, replace=False))]
        if len(now) < MIN_TEXTS or len(sample.texts) < MIN_TEXTS:
            skipped.append(TextSkipped(sample.field, f"fewer than {MIN_TEXTS} texts on one side"))
            continue
        ref_vectors = embedder.encode(list(sample.texts))
        cur_vectors = embedder.encode(now)
        texts.append(text_drift(sample.field, sample.texts, ref_vectors, now, cur_vectors))
    return DriftReport(
        reference=snapshot.name,
        current=current,
        dataset=dataset,
        texts=tuple(texts),
        texts_skipped=tuple(skipped),
        current_features=summaries,
    )
