"""Is model A really better than model B on the same test set?

Two classifiers scored on the same examples are paired: their errors are correlated, so
comparing two independent accuracy intervals is both too conservative and the wrong question.
The tests here use the pairing. :func:`mcnemar` looks only at the examples on which exactly one
model is right (an exact binomial test when those are few, chi-square with continuity
correction otherwise); :func:`paired_bootstrap` resamples examples and reports the difference
in accuracy with a percentile interval and a two-sided p-value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from colloquy.errors import UsageError
from colloquy.evaluation.metrics import (
    ConfidenceInterval,
    bootstrap_replicates,
    percentile_interval,
)

__all__ = [
    "EXACT_BELOW",
    "McNemarResult",
    "PairedBootstrapResult",
    "mcnemar",
    "paired_bootstrap",
]

EXACT_BELOW = 25
"""Use the exact binomial test when fewer than this many examples are discordant."""


@dataclass(frozen=True)
class McNemarResult:
    """McNemar's test on the discordant pairs of two models' predictions.

    ``b`` counts examples model A got right and model B wrong, ``c`` the reverse; under the
    null hypothesis (equal error rates) each discordant example is a fair coin flip.
    """

    n: int
    b: int
    c: int
    statistic: float
    """``min(b, c)`` for the exact test, the corrected chi-square statistic otherwise."""
    p_value: float
    method: Literal["exact", "chi2"]

    @property
    def accuracy_difference(self) -> float:
        """Accuracy of A minus accuracy of B, ``(b - c) / n``."""
        return (self.b - self.c) / self.n

    def significant(self, alpha: float = 0.05) -> bool:
        """Whether the p-value is below ``alpha``."""
        return self.p_value < alpha

    def to_dict(self) -> dict[str, int | float | str]:
        """A JSON-serialisable copy."""
        return {
            "n": self.n,
            "b": self.b,
            "c": self.c,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "method": self.method,
            "accuracy_difference": self.accuracy_difference,
        }


@dataclass(frozen=True)
class PairedBootstrapResult:
    """The paired-bootstrap difference in accuracy, A minus B."""

    difference: float
    ci: ConfidenceInterval
    p_value: float
    """Two-sided: the share of centred resampled differences at least as large as observed."""
    n_resamples: int

    def to_dict(self) -> dict[str, object]:
        """A JSON-serialisable copy."""
        return {
            "difference": self.difference,
            "ci": self.ci.to_dict(),
            "p_value": self.p_value,
            "n_resamples": self.n_resamples,
        }


def _correctness(
    y_true: Sequence[str], pred_a: Sequence[str], pred_b: Sequence[str]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    n = len(y_true)
    if len(pred_a) != n or len(pred_b) != n:
        raise UsageError(
            f"y_true, pred_a and pred_b differ in length ({n}, {len(pred_a)}, {len(pred_b)})",
            hint="score both models on the same examples, in the same order",
        )
    if n == 0:
        raise UsageError("cannot compare models on zero examples")
    a = np.fromiter((t == p for t, p in zip(y_true, pred_a, strict=True)), dtype=bool, count=n)
    b = np.fromiter((t == p for t, p in zip(y_true, pred_b, strict=True)), dtype=bool, count=n)
    return a, b


def mcnemar(y_true: Sequence[str], pred_a: Sequence[str], pred_b: Sequence[str]) -> McNemarResult:
    """McNemar's test of model A against model B on the same examples."""
    right_a, right_b = _correctness(y_true, pred_a, pred_b)
    b = int(np.sum(right_a & ~right_b))
    c = int(np.sum(~right_a & right_b))
    discordant = b + c
    if discordant < EXACT_BELOW:
        if discordant == 0:
            return McNemarResult(len(y_true), b, c, 0.0, 1.0, "exact")
        p_value = float(stats.binomtest(min(b, c), discordant, 0.5).pvalue)
        return McNemarResult(len(y_true), b, c, float(min(b, c)), min(p_value, 1.0), "exact")
    statistic = (abs(b - c) - 1.0) ** 2 / discordant
    p_value = float(stats.chi2.sf(statistic, df=1))
    return McNemarResult(len(y_true), b, c, float(statistic), p_value, "chi2")


def paired_bootstrap(
    y_true: Sequence[str],
    pred_a: Sequence[str],
    pred_b: Sequence[str],
    n: int = 1000,
    seed: int = 0,
    *,
    level: float = 0.95,
) -> PairedBootstrapResult:
    """Resample examples ``n`` times; the difference in accuracy (A - B), its CI and p-value.

    The p-value is two-sided and tests "no difference" by centring the bootstrap distribution
    on zero: ``(1 + #{|δ* - δ| >= |δ|}) / (n + 1)``.
    """
    right_a, right_b = _correctness(y_true, pred_a, pred_b)
    if n < 1:
        raise UsageError(f"n must be >= 1, got {n}")
    diffs = right_a.astype(np.float64) - right_b.astype(np.float64)
    observed = float(diffs.mean())
    replicates = bootstrap_replicates(diffs, n_bootstrap=n, seed=seed)
    extreme = int(np.sum(np.abs(replicates - observed) >= abs(observed) - 1e-12))
    return PairedBootstrapResult(
        difference=observed,
        ci=percentile_interval(replicates, estimate=observed, level=level),
        p_value=(extreme + 1) / (n + 1),
        n_resamples=n,
    )
