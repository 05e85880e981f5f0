"""Binary-outcome metrics: hand-computed cases, agreement with scikit-learn, DeLong, plots."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from matplotlib.image import imread
from scipy import stats
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    log_loss,
    roc_auc_score,
)

from colloquy.errors import DataError, UsageError
from colloquy.evaluation import (
    BinaryMetrics,
    binary_metrics,
    calibration_curve_png,
    delong_test,
    lift_at,
    mean_ci,
    metric_by_prefix_png,
    pr_curve,
    roc_curve,
    roc_pr_png,
)
from colloquy.evaluation.metrics import _resample_indices

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# the scikit-learn documentation's example: AUC 0.75, average precision 0.8333
Y_SMALL = [0, 0, 1, 1]
P_SMALL = [0.1, 0.4, 0.35, 0.8]


def _random_case(
    n: int, seed: int, *, decimals: int | None = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    proba = 1.0 / (1.0 + np.exp(-(1.2 * y - 0.6 + rng.normal(size=n))))
    if decimals is not None:
        proba = np.round(proba, decimals)
    return y, proba


# --------------------------------------------------------------------------- binary_metrics


def test_hand_computed_small_case() -> None:
    m = binary_metrics(Y_SMALL, P_SMALL, n_bootstrap=0)
    assert m.n == 4
    assert m.positives == 2
    assert m.base_rate == 0.5
    assert m.roc_auc == pytest.approx(0.75)
    # thresholds 0.8, 0.4, 0.35, 0.1: recall steps 0.5 at P=1 and 0.5 at P=2/3
    assert m.pr_auc == pytest.approx(0.5 * 1.0 + 0.5 * 2.0 / 3.0)
    assert m.brier == pytest.approx((0.1**2 + 0.4**2 + 0.65**2 + 0.2**2) / 4)
    expected_log_loss = -(math.log(0.9) + math.log(0.6) + math.log(0.35) + math.log(0.8)) / 4
    assert m.log_loss == pytest.approx(expected_log_loss)
    # top decile of 4 is one example (0.8, a positive): rate 1 over base rate 0.5
    assert m.lift_top_decile == pytest.approx(2.0)
    assert m.roc_auc_ci is None


@pytest.mark.parametrize(("n", "seed", "decimals"), [(50, 0, None), (400, 1, 1), (2000, 2, 2)])
def test_agrees_with_sklearn(n: int, seed: int, decimals: int | None) -> None:
    y, proba = _random_case(n, seed, decimals=decimals)
    m = binary_metrics(y, proba, n_bootstrap=0)
    assert m.roc_auc == pytest.approx(roc_auc_score(y, proba), abs=1e-12)
    assert m.pr_auc == pytest.approx(average_precision_score(y, proba), abs=1e-12)
    assert m.brier == pytest.approx(brier_score_loss(y, proba), abs=1e-12)
    assert m.log_loss == pytest.approx(log_loss(y, proba), abs=1e-12)
    assert m.base_rate == pytest.approx(y.mean())


def test_log_loss_clips_certain_mistakes_like_sklearn() -> None:
    y = [1, 0, 1, 0]
    proba = [0.0, 1.0, 0.9, 0.2]
    m = binary_metrics(y, proba, n_bootstrap=0)
    assert math.isfinite(m.log_loss)
    assert m.log_loss == pytest.approx(log_loss(y, proba), rel=1e-9)


def test_booleans_are_accepted() -> None:
    as_bool = binary_metrics([False, False, True, True], P_SMALL, n_bootstrap=0)
    assert as_bool == binary_metrics(Y_SMALL, P_SMALL, n_bootstrap=0)


def test_bootstrap_interval_matches_explicit_resamples() -> None:
    y, proba = _random_case(30, 5, decimals=1)
    m = binary_metrics(y, proba, n_bootstrap=300, seed=7)
    replicates = [
        roc_auc_score(y[idx], proba[idx])
        for chunk in _resample_indices(y.size, 300, 7)
        for idx in chunk
        if 0 < y[idx].sum() < y.size
    ]
    assert m.roc_auc_ci is not None
    assert m.roc_auc_ci.n_resamples == len(replicates)
    low, high = np.percentile(replicates, [2.5, 97.5])
    assert m.roc_auc_ci.low == pytest.approx(low, abs=1e-12)
    assert m.roc_auc_ci.high == pytest.approx(high, abs=1e-12)
    assert m.roc_auc_ci.estimate == m.roc_auc


def test_single_class_resamples_are_skipped() -> None:
    # 1 positive in 8: about (7/8)^8 = 34 % of resamples have no positive at all
    y = [1, 0, 0, 0, 0, 0, 0, 0]
    proba = [0.9, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
    m = binary_metrics(y, proba, n_bootstrap=500, seed=0)
    assert m.roc_auc_ci is not None
    assert 200 < m.roc_auc_ci.n_resamples < 450
    assert m.roc_auc_ci.high == pytest.approx(1.0)


def test_interval_is_seeded_and_covers_the_estimate() -> None:
    y, proba = _random_case(500, 3)
    a = binary_metrics(y, proba, seed=11)
    b = binary_metrics(y, proba, seed=11)
    assert a == b
    assert a.roc_auc_ci is not None
    assert a.roc_auc in a.roc_auc_ci
    assert 0.0 < a.roc_auc_ci.width < 0.2
    narrower = binary_metrics(y, proba, seed=11, level=0.5)
    assert narrower.roc_auc_ci is not None
    assert narrower.roc_auc_ci.width < a.roc_auc_ci.width


def test_to_dict_is_flat_and_json_ready() -> None:
    m = binary_metrics(Y_SMALL * 10, P_SMALL * 10, n_bootstrap=50)
    data = m.to_dict()
    assert set(data) == {
        "n",
        "positives",
        "base_rate",
        "roc_auc",
        "pr_auc",
        "brier",
        "log_loss",
        "lift_top_decile",
        "roc_auc_ci_low",
        "roc_auc_ci_high",
    }
    assert json.loads(json.dumps(data)) == data
    assert m.roc_auc_ci is not None
    assert data["roc_auc_ci_low"] == m.roc_auc_ci.low
    no_ci = BinaryMetrics(**{**m.__dict__, "roc_auc_ci": None}).to_dict()
    assert no_ci["roc_auc_ci_low"] is None
    assert no_ci["roc_auc_ci_high"] is None


@pytest.mark.parametrize(
    ("y", "proba", "error", "fragment"),
    [
        ([1, 1, 1], [0.2, 0.5, 0.9], DataError, "all 3 examples are positive"),
        ([0, 0], [0.2, 0.5], DataError, "need both classes"),
        ([0, 1, 1], [0.2, 0.5], UsageError, "expected (3,)"),
        ([0, 1], [0.2, 1.5], UsageError, "element 1"),
        ([0, 1], [-0.1, 0.5], UsageError, "probabilities in [0, 1]"),
        ([0, 1], [0.1, float("nan")], UsageError, "probabilities in [0, 1]"),
        ([0, 2], [0.1, 0.5], UsageError, "0/1 or booleans"),
        (["yes", "no"], [0.1, 0.5], UsageError, "0/1 or booleans"),
        ([], [], UsageError, "zero examples"),
    ],
)
def test_errors_say_what_is_wrong(
    y: list[int] | list[str], proba: list[float], error: type[Exception], fragment: str
) -> None:
    with pytest.raises(error) as info:
        binary_metrics(y, proba)
    assert fragment in str(info.value)
    assert isinstance(info.value, DataError | UsageError)


def test_bad_resampling_arguments() -> None:
    with pytest.raises(UsageError, match="n_bootstrap"):
        binary_metrics(Y_SMALL, P_SMALL, n_bootstrap=-1)
    with pytest.raises(UsageError, match="level"):
        binary_metrics(Y_SMALL, P_SMALL, level=1.0)


# --------------------------------------------------------------------------- curves and lift


def test_curves_end_points_and_area() -> None:
    y, proba = _random_case(300, 4, decimals=2)
    fpr, tpr = roc_curve(y, proba)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert np.all(np.diff(fpr) >= 0)
    assert np.all(np.diff(tpr) >= 0)
    assert np.trapezoid(tpr, fpr) == pytest.approx(roc_auc_score(y, proba), abs=1e-12)
    recall, precision = pr_curve(y, proba)
    assert recall[0] == 0.0
    assert recall[-1] == 1.0
    assert precision[-1] == pytest.approx(y.mean())


def test_lift_hand_example() -> None:
    # 10 examples, 2 positives (base rate 0.2); the top 20 % (2 examples) holds one positive
    y = [0, 1, 0, 0, 0, 0, 0, 1, 0, 0]
    proba = [0.95, 0.9, 0.3, 0.2, 0.1, 0.15, 0.05, 0.4, 0.25, 0.35]
    assert lift_at(y, proba, 0.2) == pytest.approx((1 / 2) / 0.2)
    # the top 30 % adds 0.4, the other positive: 2 of 3 over 0.2
    assert lift_at(y, proba, 0.3) == pytest.approx((2 / 3) / 0.2)
    assert lift_at(y, proba, 1.0) == pytest.approx(1.0)


def test_lift_ties_are_pro_rata_and_order_free() -> None:
    # k = 2 of 10 falls inside a four-way tie holding 2 positives: expected top rate 0.5
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    proba = np.array([0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.2, 0.3, 0.1, 0.1])
    assert lift_at(y, proba, 0.2) == pytest.approx(0.5 / 0.2)
    rng = np.random.default_rng(0)
    for _ in range(5):
        order = rng.permutation(y.size)
        assert lift_at(y[order], proba[order], 0.2) == pytest.approx(0.5 / 0.2)


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.5])
def test_lift_rejects_bad_fraction(fraction: float) -> None:
    with pytest.raises(UsageError, match="fraction"):
        lift_at(Y_SMALL, P_SMALL, fraction)


# --------------------------------------------------------------------------- DeLong


def _slow_delong(
    y: npt.NDArray[np.int64], a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]
) -> tuple[float, float, float, float]:
    """DeLong et al. (1988) from the O(m·n) matrix of pairwise comparisons."""
    pos, neg = y == 1, y == 0
    v10, v01, aucs = [], [], []
    for scores in (a, b):
        x, z = scores[pos][:, None], scores[neg][None, :]
        psi = (x > z).astype(float) + 0.5 * (x == z)
        aucs.append(psi.mean())
        v10.append(psi.mean(axis=1))
        v01.append(psi.mean(axis=0))
    s = np.cov(np.array(v10)) / pos.sum() + np.cov(np.array(v01)) / neg.sum()
    variance = s[0, 0] + s[1, 1] - 2 * s[0, 1]
    z_value = (aucs[0] - aucs[1]) / math.sqrt(variance)
    return aucs[0], aucs[1], z_value, 2 * stats.norm.sf(abs(z_value))


@pytest.mark.parametrize(("n", "seed", "decimals"), [(40, 0, None), (300, 1, 1), (900, 2, 2)])
def test_delong_matches_slow_reference(n: int, seed: int, decimals: int | None) -> None:
    y, a = _random_case(n, seed, decimals=decimals)
    rng = np.random.default_rng(seed + 100)
    b = np.clip(a + rng.normal(scale=0.15, size=n), 0.0, 1.0)
    if decimals is not None:
        b = np.round(b, decimals)
    result = delong_test(y, a, b)
    auc_a, auc_b, z, p = _slow_delong(y, a, b)
    assert result.auc_a == pytest.approx(auc_a, abs=1e-12)
    assert result.auc_b == pytest.approx(auc_b, abs=1e-12)
    assert result.auc_a == pytest.approx(roc_auc_score(y, a), abs=1e-12)
    assert result.difference == pytest.approx(auc_a - auc_b, abs=1e-12)
    assert result.z == pytest.approx(z, rel=1e-9)
    assert result.p_value == pytest.approx(p, rel=1e-9)


def test_delong_is_antisymmetric_and_detects_a_real_difference() -> None:
    y, good = _random_case(800, 9)
    rng = np.random.default_rng(1)
    noise = rng.random(y.size)
    worse = 0.3 * good + 0.7 * noise
    forward, backward = delong_test(y, good, worse), delong_test(y, worse, good)
    assert forward.z == pytest.approx(-backward.z)
    assert forward.p_value == pytest.approx(backward.p_value)
    assert forward.difference > 0
    assert forward.significant()
    assert forward.p_value < 1e-6
    assert json.loads(json.dumps(forward.to_dict()))["auc_a"] == forward.auc_a


def test_delong_identical_models() -> None:
    y, proba = _random_case(100, 3)
    result = delong_test(y, proba, proba)
    assert (result.difference, result.z, result.p_value) == (0.0, 0.0, 1.0)
    assert not result.significant()


def test_delong_checks_inputs() -> None:
    with pytest.raises(UsageError, match="proba_b"):
        delong_test(Y_SMALL, P_SMALL, [0.1, 0.2])
    with pytest.raises(DataError):
        delong_test([1, 1], [0.1, 0.2], [0.3, 0.4])


# --------------------------------------------------------------------------- mean_ci


def test_mean_ci_is_the_student_t_interval() -> None:
    folds = [0.70, 0.72, 0.69, 0.75, 0.71]
    result = mean_ci(folds)
    low, high = stats.t.interval(0.95, df=4, loc=np.mean(folds), scale=stats.sem(folds))
    assert result.mean == pytest.approx(0.714)
    assert result.std == pytest.approx(np.std(folds, ddof=1))
    assert result.low == pytest.approx(low)
    assert result.high == pytest.approx(high)
    assert result.n == 5
    assert result.half_width == pytest.approx((high - low) / 2)
    assert 0.714 in result
    assert json.loads(json.dumps(result.to_dict()))["n"] == 5
    assert mean_ci(folds, level=0.8).half_width < result.half_width


def test_mean_ci_of_identical_folds_has_no_width() -> None:
    result = mean_ci([0.8, 0.8, 0.8])
    assert result.low == pytest.approx(0.8)
    assert result.high == pytest.approx(0.8)
    assert result.half_width == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("values", [[], [0.7], [0.7, float("nan")]])
def test_mean_ci_rejects_unusable_values(values: list[float]) -> None:
    with pytest.raises(UsageError):
        mean_ci(values)


# --------------------------------------------------------------------------- plots


def _assert_png(path: Path, min_width: int = 300) -> None:
    assert path.read_bytes()[:8] == PNG_MAGIC
    image = imread(path)
    assert image.shape[1] >= min_width
    assert image.shape[0] >= 200
    assert image.std() > 0.01  # something was drawn


def test_binary_plots_write_valid_pngs(tmp_path: Path) -> None:
    y, good = _random_case(400, 6)
    rng = np.random.default_rng(2)
    calibration = calibration_curve_png(y, good, tmp_path / "a" / "calibration.png", n_bins=8)
    curves = roc_pr_png(
        y, {"metadata + text": good, "random": rng.random(y.size)}, tmp_path / "rocpr.png"
    )
    prefix = metric_by_prefix_png(
        [0.25, 0.5, 0.75, 1.0],
        {"text": [0.58, 0.63, 0.70, 0.74], "text + metadata": [0.61, 0.66, 0.72, 0.77]},
        tmp_path / "prefix.png",
        title="Early prediction",
    )
    for path in (calibration, curves, prefix):
        _assert_png(path)
    assert imread(curves).shape[1] > imread(prefix).shape[1]  # two panels side by side


def test_binary_plots_reject_bad_input(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="at least one"):
        roc_pr_png(Y_SMALL, {}, tmp_path / "x.png")
    with pytest.raises(UsageError, match="one value per prefix ratio"):
        metric_by_prefix_png([0.5, 1.0], {"m": [0.7]}, tmp_path / "x.png")
    with pytest.raises(DataError):
        calibration_curve_png([1, 1], [0.2, 0.4], tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
