"""The dataset verdict: compare every shared feature, then count the drifted share."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from colloquy.errors import DataError
from colloquy.monitoring.drift.records import DatasetDrift, FeatureDrift, FeatureStatus
from colloquy.monitoring.drift.rules import DriftRule
from colloquy.monitoring.drift.summary import FeatureSummary

DEFAULT_SHARE = 0.5


def _missing_side(summary: FeatureSummary, side: str, rows: int) -> FeatureDrift:
    status: FeatureStatus = "missing_in_current" if side == "current" else "missing_in_reference"
    return FeatureDrift(
        feature=summary.name,
        kind=summary.kind,
        status=status,
        method="none",
        statistic=None,
        p_value=None,
        effect=None,
        threshold=0.0,
        reference_rows=summary.rows if side == "current" else rows,
        current_rows=rows if side == "current" else summary.rows,
        reference_missing=0.0,
        current_missing=0.0,
        detail=f"the column is not in the {side} data",
    )


def compare(
    reference: Sequence[FeatureSummary],
    current: Sequence[FeatureSummary],
    rule: DriftRule,
    *,
    share_threshold: float = DEFAULT_SHARE,
) -> DatasetDrift:
    """Every feature's drift and the dataset verdict.

    A reference and current data with no column in common is a user error (usually the
    wrong file), raised as :class:`DataError` rather than reported as "no drift".
    """
    if not 0.0 < share_threshold <= 1.0:
        raise DataError(
            f"drift share threshold {share_threshold} is outside (0, 1]",
            hint="use e.g. 0.5: the dataset drifts when half its features do",
        )
    current_by_name = {s.name: s for s in current}
    reference_names = {s.name for s in reference}
    shared = [s for s in reference if s.name in current_by_name]
    if not shared:
        raise DataError(
            "the reference and the current data share no column "
            f"(reference: {', '.join(sorted(reference_names)) or 'none'}; "
            f"current: {', '.join(sorted(current_by_name)) or 'none'})",
            hint="check that the snapshot was made from the same kind of data",
        )
    ref_rows = max(s.rows for s in reference)
    cur_rows = max(s.rows for s in current)
    results: list[FeatureDrift] = []
    for summary in reference:
        if summary.name in current_by_name:
            ref = summary
            cur = current_by_name[summary.name]
            if cur.kind != ref.kind:
                cur = _as_kind(cur, ref)
            results.append(rule.decide(ref, cur))
        else:
            results.append(_missing_side(summary, "current", cur_rows))
    for summary in current:
        if summary.name not in reference_names:
            results.append(_missing_side(summary, "reference", ref_rows))
    tested = [r for r in results if r.status in ("stable", "drifted")]
    drifted = sum(r.drifted for r in tested)
    share = drifted / len(tested) if tested else 0.0
    return DatasetDrift(
        rule=rule.name,
        features=tuple(results),
        tested=len(tested),
        drifted_count=drifted,
        share=share,
        share_threshold=share_threshold,
        drifted=bool(tested) and share >= share_threshold,
        reference_rows=ref_rows,
        current_rows=cur_rows,
    )


def _as_kind(current: FeatureSummary, reference: FeatureSummary) -> FeatureSummary:
    """Current data read with the reference's kind (a numeric column that happens to hold
    few distinct values today must still be compared as numbers)."""
    if reference.kind == "categorical":
        counts: dict[str, int] = {}
        for value in current.values:
            key = str(int(value)) if float(value).is_integer() else str(value)
            counts[key] = counts.get(key, 0) + 1
        return FeatureSummary(
            current.name, "categorical", current.rows, current.missing, counts=counts
        )
    values: list[float] = []
    for key, count in current.counts.items():
        try:
            values.extend([float(key)] * count)
        except ValueError:
            continue
    array = np.asarray(values, dtype=np.float64)
    return FeatureSummary(
        current.name, "numeric", current.rows, current.rows - array.size, values=array
    )
