"""A feature as the drift tests see it: its values (numeric) or its category counts.

The same record serves the live current data and a stored reference snapshot, where the
numeric values are a uniform random sample capped at ``sample_cap`` rows. Numeric values
are kept sorted: the order means nothing to any test, and KS and Wasserstein then need no
sort of their own (:mod:`colloquy.monitoring.drift.ecdf`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from colloquy.monitoring.drift.base import FeatureKind, FloatArray

DEFAULT_SAMPLE_CAP = 20_000
CATEGORICAL_MAX_UNIQUE = 5


@dataclass(frozen=True, slots=True, eq=False)
class FeatureSummary:
    """The non-missing values (numeric) or counts (categorical) of one column."""

    name: str
    kind: FeatureKind
    rows: int
    missing: int
    values: FloatArray = field(default_factory=lambda: np.empty(0))
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def present(self) -> int:
        return self.rows - self.missing

    @property
    def missing_share(self) -> float:
        return self.missing / self.rows if self.rows else 0.0

    @property
    def constant(self) -> bool:
        if self.kind == "numeric":
            return self.values.size > 0 and bool(np.all(self.values == self.values[0]))
        return len(self.counts) == 1


def infer_kind(column: pd.Series) -> FeatureKind:
    """Numbers with more than five distinct values are numeric; anything else a category.

    Five is Evidently's cut-off, so a 0/1 flag is compared as a mix, not as a distribution.
    """
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        return "categorical"
    return "numeric" if column.nunique(dropna=True) > CATEGORICAL_MAX_UNIQUE else "categorical"


def summarize(
    name: str,
    column: pd.Series,
    *,
    kind: FeatureKind | None = None,
    sample_cap: int | None = None,
    seed: int = 0,
) -> FeatureSummary:
    """The summary of one column; ``sample_cap`` keeps a uniform sample of numeric values."""
    chosen = kind or infer_kind(column)
    present = column.dropna()
    missing = int(column.size - present.size)
    if chosen == "numeric":
        values = pd.to_numeric(present, errors="coerce").dropna().to_numpy(dtype=np.float64)
        missing = int(column.size - values.size)
        if sample_cap is not None and values.size > sample_cap:
            values = np.random.default_rng(seed).choice(values, sample_cap, replace=False)
        return FeatureSummary(name, "numeric", int(column.size), missing, values=np.sort(values))
    counts = present.astype(str).value_counts()
    return FeatureSummary(
        name,
        "categorical",
        int(column.size),
        missing,
        counts={str(k): int(v) for k, v in counts.items()},
    )


def summarize_frame(
    frame: pd.DataFrame, *, sample_cap: int | None = None, seed: int = 0
) -> tuple[FeatureSummary, ...]:
    """Every column of ``frame``, kinds inferred."""
    return tuple(
        summarize(str(name), frame[name], sample_cap=sample_cap, seed=seed)
        for name in frame.columns
    )
