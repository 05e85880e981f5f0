"""Typed results of a drift check: one record per feature and one verdict per dataset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from colloquy.monitoring.drift.base import FeatureKind

FeatureStatus = Literal[
    "stable",
    "drifted",
    "constant",
    "all_missing",
    "missing_in_current",
    "missing_in_reference",
    "empty",
]


@dataclass(frozen=True, slots=True)
class FeatureDrift:
    """One feature's comparison: the test that decided it, what it measured, the status.

    ``status`` is ``stable`` or ``drifted`` when a test ran; the other statuses say why
    none could (a constant reference column, no values, a column on one side only), so a
    report shows them instead of silently skipping the feature.
    """

    feature: str
    kind: FeatureKind
    status: FeatureStatus
    method: str
    statistic: float | None
    p_value: float | None
    effect: float | None
    threshold: float
    reference_rows: int
    current_rows: int
    reference_missing: float
    current_missing: float
    detail: str

    @property
    def drifted(self) -> bool:
        return self.status == "drifted"


@dataclass(frozen=True, slots=True)
class DatasetDrift:
    """The dataset verdict: drifted when the share of drifted tested features reaches
    ``share_threshold``. Features no test could run on do not count either way."""

    rule: str
    features: tuple[FeatureDrift, ...]
    tested: int
    drifted_count: int
    share: float
    share_threshold: float
    drifted: bool
    reference_rows: int
    current_rows: int
