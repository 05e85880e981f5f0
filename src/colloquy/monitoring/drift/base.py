"""The shape every drift test shares, so rules can pick any of them by name.

A test compares two samples of one feature and returns a score plus, for statistical
tests, a p-value. Whether that counts as drift is decided by a rule (see ``rules``), not
by the test: the same score means different things at 500 rows and at a million.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

FeatureKind = Literal["numeric", "categorical"]
Direction = Literal["p_value", "distance"]

FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]


@dataclass(frozen=True, slots=True)
class TestScore:
    """What one test measured: the statistic, its p-value if it has one, an effect size.

    ``effect`` is always a distance on a scale the rules can floor (for a p-value test it
    is the test's own effect size, e.g. the KS D statistic or Cramér's V).
    """

    statistic: float
    p_value: float | None
    effect: float


class NumericTest(Protocol):
    name: str
    direction: Direction

    def score(self, reference: FloatArray, current: FloatArray) -> TestScore: ...


class CategoricalTest(Protocol):
    name: str
    direction: Direction

    def score(self, reference: dict[str, int], current: dict[str, int]) -> TestScore: ...


def aligned_proportions(
    reference: dict[str, int], current: dict[str, int], *, smoothing: float = 0.0
) -> tuple[FloatArray, FloatArray]:
    """Both count tables on the union of their categories, as proportions.

    ``smoothing`` adds a pseudo-count to every cell so log-ratio measures stay finite when
    a category appears on one side only.
    """
    keys = sorted(set(reference) | set(current))
    ref = np.array([reference.get(k, 0) for k in keys], dtype=np.float64) + smoothing
    cur = np.array([current.get(k, 0) for k in keys], dtype=np.float64) + smoothing
    return ref / ref.sum(), cur / cur.sum()


def shared_bins(
    reference: FloatArray, current: FloatArray, bins: int
) -> tuple[FloatArray, FloatArray]:
    """Both samples as proportions over quantile bins of the reference.

    Quantile bins of the reference give every bin about the same reference mass, which is
    what PSI's rule-of-thumb thresholds assume.
    """
    edges = np.unique(np.quantile(reference, np.linspace(0.0, 1.0, bins + 1)))
    if edges.size < 2:
        edges = np.array([edges[0] - 0.5, edges[0] + 0.5])
    inner = edges[1:-1]
    ref = np.bincount(np.searchsorted(inner, reference, side="right"), minlength=edges.size - 1)
    cur = np.bincount(np.searchsorted(inner, current, side="right"), minlength=edges.size - 1)
    return ref / max(ref.sum(), 1), cur / max(cur.sum(), 1)
