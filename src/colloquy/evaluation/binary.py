"""Scores for a binary-outcome model: does this conversation convert?

A conversion predictor outputs one probability per conversation, and the questions asked of it
differ from a classifier's: does it *rank* converters first (ROC-AUC, and average precision,
which weighs the top of the ranking when converters are rare), are its probabilities honest
(Brier score, log loss), and how much better than random is the top tenth of its list (lift —
the number a sales team acts on). :func:`binary_metrics` reports all of them, with a
percentile-bootstrap interval for ROC-AUC.

Two models scored on the same out-of-fold predictions are compared with :func:`delong_test`,
DeLong's test for correlated ROC curves in the O(n log n) midrank formulation of Sun & Xu
(2014); :func:`mean_ci` summarises a metric across cross-validation folds with a t-interval.

Everything is computed from one sort of the scores, so the bootstrap (1,000 resamples of a
few thousand conversations) is vectorised and takes well under a second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats  # type: ignore[import-untyped, unused-ignore]

from colloquy.errors import DataError, UsageError
from colloquy.evaluation.metrics import ConfidenceInterval, _resample_indices, percentile_interval

__all__ = [
    "BinaryMetrics",
    "DeLongResult",
    "MeanInterval",
    "binary_metrics",
    "delong_test",
    "lift_at",
    "mean_ci",
    "pr_curve",
    "roc_curve",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class BinaryMetrics:
    """Ranking, calibration and lift of one set of predicted conversion probabilities."""

    n: int
    positives: int
    base_rate: float
    """Share of positives: the precision of a random ranking, the floor for ``pr_auc``."""
    roc_auc: float
    pr_auc: float
    """Average precision (scikit-learn's step-wise area, not the trapezoid)."""
    brier: float
    log_loss: float
    lift_top_decile: float
    roc_auc_ci: ConfidenceInterval | None = None

    def to_dict(self) -> dict[str, float | int | None]:
        """A flat, JSON-serialisable copy (the interval becomes ``roc_auc_ci_low/high``)."""
        ci = self.roc_auc_ci
        return {
            "n": self.n,
            "positives": self.positives,
            "base_rate": self.base_rate,
            "roc_auc": self.roc_auc,
            "pr_auc": self.pr_auc,
            "brier": self.brier,
            "log_loss": self.log_loss,
            "lift_top_decile": self.lift_top_decile,
            "roc_auc_ci_low": ci.low if ci else None,
            "roc_auc_ci_high": ci.high if ci else None,
        }


@dataclass(frozen=True)
class DeLongResult:
    """DeLong's test of ``AUC(a) == AUC(b)`` for two models scored on the same examples."""

    auc_a: float
    auc_b: float
    difference: float
    """``auc_a - auc_b``."""
    std_error: float
    """Standard error of the difference, from the paired structural components."""
    z: float
    p_value: float
    """Two-sided, from the standard normal."""

    def significant(self, alpha: float = 0.05) -> bool:
        """Whether the p-value is below ``alpha``."""
        return self.p_value < alpha

    def to_dict(self) -> dict[str, float]:
        """A JSON-serialisable copy (an infinite ``z`` is written as ±1e308)."""
        return {
            "auc_a": self.auc_a,
            "auc_b": self.auc_b,
            "difference": self.difference,
            "std_error": self.std_error,
            "z": float(np.clip(self.z, -1e308, 1e308)),
            "p_value": self.p_value,
        }


@dataclass(frozen=True)
class MeanInterval:
    """The mean of a few values (one per fold) with its Student-t interval.

    Not a :class:`ConfidenceInterval`: that one is a bootstrap interval and counts resamples;
    this one counts the values (folds) and assumes they are roughly normal and independent,
    which cross-validation folds only approximately are — read it as a summary of spread.
    """

    mean: float
    low: float
    high: float
    std: float
    """Sample standard deviation (``ddof=1``)."""
    n: int
    level: float = 0.95

    @property
    def half_width(self) -> float:
        """``(high - low) / 2``: report as ``mean ± half_width``."""
        return (self.high - self.low) / 2.0

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int | float) and self.low <= value <= self.high

    def to_dict(self) -> dict[str, float | int]:
        """A JSON-serialisable copy."""
        return {
            "mean": self.mean,
            "low": self.low,
            "high": self.high,
            "std": self.std,
            "n": self.n,
            "level": self.level,
        }


# --------------------------------------------------------------------------- validation


def _labels(y_true: npt.ArrayLike) -> BoolArray:
    raw = np.asarray(y_true)
    if raw.ndim != 1:
        raise UsageError(f"y_true must be one-dimensional, got shape {raw.shape}")
    if raw.dtype == np.bool_:
        return raw
    if raw.dtype.kind in "iuf":
        values = set(np.unique(raw).tolist())
        if values <= {0, 1}:
            return np.asarray(raw == 1, dtype=np.bool_)
        shown = ", ".join(repr(v) for v in sorted(values - {0, 1})[:5])
    else:
        shown = f"values of type {raw.dtype}"
    raise UsageError(
        f"y_true must hold 0/1 or booleans, found {shown}",
        hint="pass conversation.outcome.converted (or label == positive_label)",
    )


def _scores(proba: npt.ArrayLike, n: int, what: str = "proba") -> FloatArray:
    scores = np.asarray(proba, dtype=np.float64)
    if scores.shape != (n,):
        raise UsageError(
            f"{what} has shape {scores.shape}, expected ({n},) to match y_true",
            hint="pass one probability of the positive class per example (predict_proba[:, 1])",
        )
    if not np.all(np.isfinite(scores)) or scores.min() < 0.0 or scores.max() > 1.0:
        bad = int(np.flatnonzero(~(np.isfinite(scores) & (scores >= 0) & (scores <= 1)))[0])
        raise UsageError(
            f"{what} must hold probabilities in [0, 1]; element {bad} is {scores[bad]!r}",
            hint="pass predict_proba output, not decision_function scores or logits",
        )
    return scores


def _checked(
    y_true: npt.ArrayLike, proba: npt.ArrayLike, what: str = "proba"
) -> tuple[BoolArray, FloatArray]:
    y = _labels(y_true)
    if y.size == 0:
        raise UsageError("cannot score zero examples")
    scores = _scores(proba, y.size, what)
    positives = int(y.sum())
    if positives in (0, y.size):
        only = "positive" if positives else "negative"
        raise DataError(
            f"all {y.size} examples are {only}; ROC-AUC and lift need both classes",
            hint="evaluate on a sample that contains converted and unconverted conversations",
        )
    return y, scores


# --------------------------------------------------------------------------- building blocks


def _midranks(values: FloatArray) -> FloatArray:
    """1-based ranks with ties sharing their average rank (O(n log n))."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], ordered.size]
    group_rank = (starts + ends + 1) / 2.0
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.repeat(group_rank, ends - starts)
    return ranks


def _auc(y: BoolArray, scores: FloatArray) -> float:
    """Mann–Whitney ROC-AUC: the chance a random positive outscores a random negative."""
    m = int(y.sum())
    n = y.size - m
    return float((_midranks(scores)[y].sum() - m * (m + 1) / 2.0) / (m * n))


def _descending_steps(y: BoolArray, scores: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Cumulative (true positives, false positives) at each distinct threshold, high to low."""
    order = np.argsort(-scores, kind="mergesort")
    ordered, hits = scores[order], y[order]
    last = np.r_[np.flatnonzero(ordered[1:] != ordered[:-1]), ordered.size - 1]
    tps = np.cumsum(hits, dtype=np.float64)[last]
    return tps, (last + 1.0) - tps


def roc_curve(y_true: npt.ArrayLike, proba: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """``(false positive rates, true positive rates)``, from (0, 0) to (1, 1)."""
    y, scores = _checked(y_true, proba)
    tps, fps = _descending_steps(y, scores)
    return np.r_[0.0, fps / fps[-1]], np.r_[0.0, tps / tps[-1]]


def pr_curve(y_true: npt.ArrayLike, proba: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """``(recalls, precisions)`` at each distinct threshold, high to low, from recall 0."""
    y, scores = _checked(y_true, proba)
    tps, fps = _descending_steps(y, scores)
    precision = tps / (tps + fps)
    return np.r_[0.0, tps / tps[-1]], np.r_[precision[0], precision]


def _average_precision(y: BoolArray, scores: FloatArray) -> float:
    tps, fps = _descending_steps(y, scores)
    recall = tps / tps[-1]
    precision = tps / (tps + fps)
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def lift_at(y_true: npt.ArrayLike, proba: npt.ArrayLike, fraction: float = 0.1) -> float:
    """Positive rate among the top ``fraction`` by score, divided by the overall positive rate.

    The top holds ``ceil(fraction * n)`` examples. Examples tied with the last one in it are
    counted pro rata (each tied example contributes the tied group's positive rate), which is
    the expected lift under random tie-breaking — so the answer does not depend on input order.
    """
    if not 0.0 < fraction <= 1.0:
        raise UsageError(f"fraction must be in (0, 1], got {fraction}")
    y, scores = _checked(y_true, proba)
    k = max(1, math.ceil(fraction * y.size - 1e-9))
    cutoff = np.sort(scores)[::-1][k - 1]
    above = scores > cutoff
    tied = scores == cutoff
    taken = k - int(above.sum())
    top_positives = float(y[above].sum()) + taken * float(y[tied].mean())
    return (top_positives / k) / float(y.mean())


def _bootstrap_auc(y: BoolArray, scores: FloatArray, n_bootstrap: int, seed: int) -> FloatArray:
    """ROC-AUC of each resample; resamples holding a single class are left out.

    A resample is a vector of counts per example, so its AUC is a count-weighted Mann–Whitney
    statistic over the tie groups of one global sort: no resample is ever re-sorted.
    """
    order = np.argsort(scores, kind="mergesort")
    ordered = scores[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    is_pos = y[order]
    aucs: list[FloatArray] = []
    n = y.size
    for idx in _resample_indices(n, n_bootstrap, seed):
        rows = idx.shape[0]
        offsets = (np.arange(rows, dtype=np.intp) * n)[:, None]
        counts = np.bincount((idx + offsets).ravel(), minlength=rows * n).reshape(rows, n)
        counts = counts[:, order].astype(np.float64)
        pos = np.add.reduceat(counts * is_pos, starts, axis=1)
        neg = np.add.reduceat(counts * ~is_pos, starts, axis=1)
        below = np.cumsum(neg, axis=1) - neg
        pairs = pos.sum(axis=1) * neg.sum(axis=1)
        wins = (pos * (below + 0.5 * neg)).sum(axis=1)
        keep = pairs > 0
        aucs.append(wins[keep] / pairs[keep])
    return np.concatenate(aucs)


# --------------------------------------------------------------------------- entry points


def binary_metrics(
    y_true: npt.ArrayLike,
    proba: npt.ArrayLike,
    *,
    n_bootstrap: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> BinaryMetrics:
    """Score predicted probabilities of the positive class against 0/1 (or bool) outcomes.

    ``n_bootstrap=0`` skips the ROC-AUC interval; resamples that hold a single class have no
    AUC and are left out, so ``roc_auc_ci.n_resamples`` counts the ones used (``None`` if none
    could be). The log loss clips probabilities to
    ``[eps, 1 - eps]`` (float64 machine epsilon), as scikit-learn does, so one confident
    mistake costs about 36 nats instead of infinity.
    """
    if n_bootstrap < 0:
        raise UsageError(f"n_bootstrap must be >= 0, got {n_bootstrap}")
    if not 0.0 < level < 1.0:
        raise UsageError(f"level must be between 0 and 1, got {level}")
    y, scores = _checked(y_true, proba)
    truth = y.astype(np.float64)
    eps = float(np.finfo(np.float64).eps)
    clipped = np.clip(scores, eps, 1.0 - eps)
    log_loss = -np.mean(truth * np.log(clipped) + (1.0 - truth) * np.log1p(-clipped))
    roc_auc = _auc(y, scores)
    ci = None
    if n_bootstrap:
        replicates = _bootstrap_auc(y, scores, n_bootstrap, seed)
        if replicates.size:
            ci = percentile_interval(replicates, estimate=roc_auc, level=level)
    return BinaryMetrics(
        n=int(y.size),
        positives=int(y.sum()),
        base_rate=float(truth.mean()),
        roc_auc=roc_auc,
        pr_auc=_average_precision(y, scores),
        brier=float(np.mean((scores - truth) ** 2)),
        log_loss=float(log_loss),
        lift_top_decile=lift_at(y, scores, 0.1),
        roc_auc_ci=ci,
    )


def delong_test(
    y_true: npt.ArrayLike, proba_a: npt.ArrayLike, proba_b: npt.ArrayLike
) -> DeLongResult:
    """DeLong's two-sided test that two models' ROC-AUCs on the same examples are equal.

    The structural components (each positive's share of negatives it outscores, and the
    reverse) come from midranks within the positives, the negatives and all examples (Sun &
    Xu, 2014), so the test costs three sorts per model. Identical predictions give
    ``z = 0, p = 1``.
    """
    y, a = _checked(y_true, proba_a, "proba_a")
    b = _scores(proba_b, y.size, "proba_b")
    m = int(y.sum())
    n = y.size - m
    v10 = np.empty((2, m))
    v01 = np.empty((2, n))
    aucs = np.empty(2)
    for row, scores in enumerate((a, b)):
        overall = _midranks(scores)
        within_pos = _midranks(scores[y])
        within_neg = _midranks(scores[~y])
        aucs[row] = (overall[y].sum() - m * (m + 1) / 2.0) / (m * n)
        v10[row] = (overall[y] - within_pos) / n
        v01[row] = 1.0 - (overall[~y] - within_neg) / m
    covariance = np.cov(v10) / m + np.cov(v01) / n
    variance = float(covariance[0, 0] + covariance[1, 1] - 2.0 * covariance[0, 1])
    difference = float(aucs[0] - aucs[1])
    if variance <= 1e-18:
        z = 0.0 if abs(difference) < 1e-15 else math.copysign(math.inf, difference)
        return DeLongResult(
            float(aucs[0]), float(aucs[1]), difference, 0.0, z, 1.0 if z == 0.0 else 0.0
        )
    std_error = math.sqrt(variance)
    z = difference / std_error
    p_value = float(2.0 * stats.norm.sf(abs(z)))
    return DeLongResult(float(aucs[0]), float(aucs[1]), difference, std_error, z, p_value)


def mean_ci(values: Sequence[float] | npt.ArrayLike, level: float = 0.95) -> MeanInterval:
    """Mean of per-fold scores with a Student-t interval (``n - 1`` degrees of freedom).

    Needs at least two finite values: one fold has no spread to report.
    """
    data = np.asarray(values, dtype=np.float64).ravel()
    if data.size < 2:
        raise UsageError(
            f"mean_ci needs at least 2 values, got {data.size}",
            hint="pass one score per cross-validation fold",
        )
    if not np.all(np.isfinite(data)):
        raise UsageError("mean_ci values must be finite numbers (a fold scored NaN or inf)")
    if not 0.0 < level < 1.0:
        raise UsageError(f"level must be between 0 and 1, got {level}")
    mean = float(data.mean())
    std = float(data.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2.0, df=data.size - 1)) * std / math.sqrt(data.size)
    return MeanInterval(
        mean=mean, low=mean - half, high=mean + half, std=std, n=int(data.size), level=level
    )
