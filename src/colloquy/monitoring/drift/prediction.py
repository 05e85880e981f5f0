"""Prediction drift: the label mix, the confidence distribution, the out-of-scope share.

These need no ground truth, so they are the first signal after deployment: a model that
suddenly answers "card_arrival" twice as often, or is less sure of itself, is seeing
different traffic even before anyone labels it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from colloquy.monitoring.drift.records import FeatureDrift
from colloquy.monitoring.drift.rules import DriftRule
from colloquy.monitoring.drift.summary import FeatureSummary


@dataclass(frozen=True, slots=True)
class PredictionDrift:
    """Label-mix and confidence drift, and the out-of-scope share on both sides."""

    label_mix: FeatureDrift
    confidence: FeatureDrift
    reference_out_of_scope: float
    current_out_of_scope: float
    out_of_scope_change: float


def prediction_summaries(
    labels: Sequence[str], confidences: Sequence[float]
) -> tuple[FeatureSummary, FeatureSummary]:
    """The label mix and the confidence values as drift-testable features."""
    counts = Counter(labels)
    values = np.asarray(confidences, dtype=np.float64)
    values = values[~np.isnan(values)]
    return (
        FeatureSummary("predicted_label", "categorical", len(labels), 0, counts=dict(counts)),
        FeatureSummary(
            "confidence", "numeric", len(confidences), len(confidences) - values.size, values=values
        ),
    )


def prediction_drift(
    reference: tuple[FeatureSummary, FeatureSummary],
    current: tuple[FeatureSummary, FeatureSummary],
    rule: DriftRule,
    *,
    out_of_scope_label: str = "out_of_scope",
) -> PredictionDrift:
    """Compare two prediction summaries made by :func:`prediction_summaries`."""

    def share(summary: FeatureSummary) -> float:
        total = sum(summary.counts.values())
        return summary.counts.get(out_of_scope_label, 0) / total if total else 0.0

    ref_oos, cur_oos = share(reference[0]), share(current[0])
    return PredictionDrift(
        label_mix=rule.decide(reference[0], current[0]),
        confidence=rule.decide(reference[1], current[1]),
        reference_out_of_scope=ref_oos,
        current_out_of_scope=cur_oos,
        out_of_scope_change=cur_oos - ref_oos,
    )
