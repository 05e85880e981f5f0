"""Classification metrics: equal to scikit-learn's, calibration by hand, bootstrap behaviour.

scikit-learn is the reference for every point estimate (it is what readers will check the
numbers against); the bootstrap and calibration code has no reference implementation, so it is
checked on examples small enough to compute by hand and on properties (intervals contain the
estimate, narrow with more data, are reproducible).
"""

from __future__ import annotations

import json
import time

import numpy as np
import numpy.typing as npt
import pytest
from sklearn import metrics as skm  # type: ignore[import-untyped, unused-ignore]

from colloquy.errors import UsageError
from colloquy.evaluation import (
    ClassificationMetrics,
    ConfidenceInterval,
    bootstrap_ci,
    bootstrap_replicates,
    classification_metrics,
    expected_calibration_error,
    percentile_interval,
    reliability_bins,
)
from colloquy.evaluation.significance import mcnemar, paired_bootstrap

TOL = 1e-12


def _labels(k: int) -> list[str]:
    return [f"intent_{i:02d}" for i in range(k)]


def _predictions(
    n: int, k: int, accuracy: float, seed: int
) -> tuple[list[str], list[str], npt.NDArray[np.float64], list[str]]:
    """Random truth, predictions right with probability ``accuracy``, and matching softmax."""
    rng = np.random.default_rng(seed)
    classes = _labels(k)
    truth = rng.integers(0, k, n)
    pred = np.where(rng.random(n) < accuracy, truth, rng.integers(0, k, n))
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), pred] += 3.0
    proba = np.exp(logits)
    proba /= proba.sum(axis=1, keepdims=True)
    return [classes[i] for i in truth], [classes[i] for i in pred], proba, classes


# --------------------------------------------------------------------------- vs scikit-learn


@pytest.mark.parametrize(
    ("n", "k", "accuracy", "seed"),
    [(50, 4, 0.5, 0), (500, 12, 0.7, 1), (2000, 30, 0.9, 2), (40, 10, 0.2, 3)],
)
def test_point_estimates_equal_sklearn(n: int, k: int, accuracy: float, seed: int) -> None:
    y_true, y_pred, _, _ = _predictions(n, k, accuracy, seed)
    m = classification_metrics(y_true, y_pred, n_bootstrap=0)

    assert m.n == n
    assert m.accuracy == pytest.approx(skm.accuracy_score(y_true, y_pred), abs=TOL)
    for average in ("macro", "weighted"):
        p, r, f, _ = skm.precision_recall_fscore_support(
            y_true, y_pred, average=average, zero_division=0
        )
        assert getattr(m, f"{average}_precision") == pytest.approx(p, abs=TOL)
        assert getattr(m, f"{average}_recall") == pytest.approx(r, abs=TOL)
        assert getattr(m, f"{average}_f1") == pytest.approx(f, abs=TOL)

    labels = list(m.labels)
    assert labels == sorted(set(y_true) | set(y_pred))
    p, r, f, s = skm.precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average=None, zero_division=0
    )
    for i, row in enumerate(m.per_class):
        assert row.label == labels[i]
        assert row.precision == pytest.approx(p[i], abs=TOL)
        assert row.recall == pytest.approx(r[i], abs=TOL)
        assert row.f1 == pytest.approx(f[i], abs=TOL)
        assert row.support == s[i]
    expected = skm.confusion_matrix(y_true, y_pred, labels=labels)
    np.testing.assert_array_equal(m.confusion_matrix(), expected)
    assert m.confusion == tuple(tuple(int(c) for c in row) for row in expected)


def test_labels_only_predicted_or_only_true() -> None:
    # "c" is never true, "d" never predicted: both count in the macro average, as in sklearn
    y_true = ["a", "a", "b", "b", "d", "d"]
    y_pred = ["a", "c", "b", "a", "b", "c"]
    m = classification_metrics(y_true, y_pred, n_bootstrap=0)
    assert m.labels == ("a", "b", "c", "d")
    assert m.macro_f1 == pytest.approx(skm.f1_score(y_true, y_pred, average="macro"), abs=TOL)
    assert m.macro_precision == pytest.approx(
        skm.precision_score(y_true, y_pred, average="macro", zero_division=0), abs=TOL
    )
    assert m.weighted_recall == pytest.approx(
        skm.recall_score(y_true, y_pred, average="weighted", zero_division=0), abs=TOL
    )
    assert m.class_metrics("c").support == 0
    assert m.class_metrics("d").predicted == 0


def test_hand_made_example() -> None:
    y_true = ["a", "a", "a", "b", "b", "c"]
    y_pred = ["a", "a", "b", "b", "c", "c"]
    m = classification_metrics(y_true, y_pred, n_bootstrap=0)
    assert m.accuracy == pytest.approx(4 / 6)
    a, b, c = m.per_class
    assert (a.precision, a.recall, a.f1, a.support) == pytest.approx((1.0, 2 / 3, 0.8, 3))
    assert (b.precision, b.recall, b.f1, b.support) == pytest.approx((0.5, 0.5, 0.5, 2))
    assert (c.precision, c.recall, c.f1, c.support) == pytest.approx((0.5, 1.0, 2 / 3, 1))
    assert m.macro_f1 == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert m.weighted_f1 == pytest.approx((3 * 0.8 + 2 * 0.5 + 2 / 3) / 6)
    assert m.confusion == ((2, 1, 0), (0, 1, 1), (0, 0, 1))


def test_classes_fix_order_and_keep_absent_classes() -> None:
    y_true = ["b", "a", "b"]
    y_pred = ["b", "a", "a"]
    m = classification_metrics(y_true, y_pred, classes=["b", "z", "a"], n_bootstrap=0)
    assert m.labels == ("b", "z", "a")
    assert [row.label for row in m.per_class] == ["b", "z", "a"]
    assert m.class_metrics("z").support == 0
    # an absent class does not pull the macro average down (sklearn's default label set)
    assert m.macro_f1 == pytest.approx(skm.f1_score(y_true, y_pred, average="macro"), abs=TOL)
    assert m.confusion == ((1, 0, 1), (0, 0, 0), (0, 0, 1))


def test_most_confused_and_worst_classes() -> None:
    y_true = ["a"] * 10 + ["b"] * 4 + ["c"] * 5
    y_pred = ["a"] * 6 + ["b"] * 3 + ["c"] + ["b"] * 2 + ["a"] * 2 + ["c"] * 4 + ["a"]
    m = classification_metrics(y_true, y_pred, n_bootstrap=0)
    pairs = m.most_confused()
    assert [(p.true, p.predicted, p.count) for p in pairs] == [
        ("a", "b", 3),
        ("b", "a", 2),
        ("a", "c", 1),
        ("c", "a", 1),
    ]
    assert pairs[0].share == pytest.approx(3 / 10)
    assert pairs[1].share == pytest.approx(2 / 4)
    assert len(m.most_confused(2)) == 2
    assert m.most_confused(0) == []
    worst = m.worst_classes(2)
    f1 = {row.label: row.f1 for row in m.per_class}
    assert [row.label for row in worst] == sorted(f1, key=f1.__getitem__)[:2]
    with pytest.raises(UsageError):
        m.most_confused(-1)


def test_perfect_predictions_have_no_confusions() -> None:
    y = ["x", "y", "z", "x"]
    m = classification_metrics(y, y, n_bootstrap=200)
    assert m.accuracy == 1.0
    assert m.macro_f1 == 1.0
    assert m.most_confused() == []
    assert m.accuracy_ci is not None
    assert (m.accuracy_ci.low, m.accuracy_ci.high) == (1.0, 1.0)


# --------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    "call",
    [
        lambda: classification_metrics(["a", "b"], ["a"]),
        lambda: classification_metrics([], []),
        lambda: classification_metrics(["a"], ["a"], n_bootstrap=-1),
        lambda: classification_metrics(["a", "b"], ["a", "b"], classes=["a"]),
        lambda: classification_metrics(["a"], ["a"], classes=["a", "a"]),
        lambda: classification_metrics(["a", "b"], ["a", "b"], proba=np.eye(2)),
        lambda: classification_metrics(["a", "b"], ["a", "b"], proba=np.eye(3), classes=["a", "b"]),
        lambda: classification_metrics(
            ["a", "b"], ["a", "b"], proba=np.full((2, 2), 0.7), classes=["a", "b"]
        ),
        lambda: classification_metrics(
            ["a", "b"], ["a", "b"], proba=np.array([[1.5, -0.5], [0, 1]]), classes=["a", "b"]
        ),
        lambda: expected_calibration_error([0.5, 0.6], [1]),
        lambda: expected_calibration_error([], []),
        lambda: expected_calibration_error([0.5], [1], n_bins=0),
        lambda: expected_calibration_error([1.5], [1]),
        lambda: bootstrap_ci([1.0, 0.0], n_bootstrap=0),
        lambda: bootstrap_ci([1.0, 0.0], level=1.0),
        lambda: bootstrap_replicates([]),
    ],
)
def test_bad_arguments_raise_usage_error(call: object) -> None:
    assert callable(call)
    with pytest.raises(UsageError):
        call()


def test_unknown_class_lookup_raises() -> None:
    m = classification_metrics(["a"], ["a"], n_bootstrap=0)
    with pytest.raises(UsageError, match="unknown class"):
        m.class_metrics("nope")


# --------------------------------------------------------------------------- calibration


def test_ece_by_hand() -> None:
    # 15 bins of width 1/15: 0.95 → (14/15, 1], 0.55 → (8/15, 9/15], 0.25 → (3/15, 4/15]
    confidences = [0.95, 0.95, 0.55, 0.25]
    correct = [1, 0, 1, 0]
    # |0.5 - 0.95| * 2/4 + |1 - 0.55| * 1/4 + |0 - 0.25| * 1/4
    expected = 0.45 * 0.5 + 0.45 * 0.25 + 0.25 * 0.25
    assert expected_calibration_error(confidences, correct) == pytest.approx(expected, abs=TOL)
    bins = reliability_bins(confidences, correct)
    assert len(bins) == 15
    assert sum(b.count for b in bins) == 4
    assert bins[14].count == 2
    assert bins[14].confidence == pytest.approx(0.95)
    assert bins[14].accuracy == pytest.approx(0.5)
    assert bins[8].count == 1
    assert bins[3].count == 1
    assert bins[0].confidence is None
    assert bins[0].accuracy is None
    assert bins[0].gap is None
    assert bins[14].gap == pytest.approx(0.45)
    assert bins[0].lower == 0.0
    assert bins[-1].upper == 1.0


def test_ece_bin_edges_and_perfect_calibration() -> None:
    # 0 joins the first bin, 1 the last; an edge value belongs to the bin it closes
    bins = reliability_bins([0.0, 1.0, 0.5], [0, 1, 1], n_bins=2)
    assert [b.count for b in bins] == [2, 1]
    # confidence 0.8 with 80 % right, 0.3 with 30 % right: perfectly calibrated
    confidences = [0.8] * 10 + [0.3] * 10
    correct = [1] * 8 + [0] * 2 + [1] * 3 + [0] * 7
    assert expected_calibration_error(confidences, correct) == pytest.approx(0.0, abs=TOL)
    assert expected_calibration_error(confidences, correct, n_bins=1) == pytest.approx(
        abs(11 / 20 - 0.55), abs=TOL
    )


def test_probability_metrics_equal_sklearn() -> None:
    y_true, y_pred, proba, classes = _predictions(800, 9, 0.7, seed=5)
    m = classification_metrics(y_true, y_pred, proba=proba, classes=classes, n_bootstrap=0)
    cal = m.calibration
    assert cal is not None
    assert cal.log_loss == pytest.approx(skm.log_loss(y_true, proba, labels=classes), abs=1e-10)
    for k in (1, 3, 5):
        expected = skm.top_k_accuracy_score(y_true, proba, k=k, labels=classes)
        assert cal.top_k_accuracy[k] == pytest.approx(expected, abs=TOL)
    top = proba.argmax(axis=1)
    truth = np.array([classes.index(y) for y in y_true])
    assert cal.ece == pytest.approx(
        expected_calibration_error(proba.max(axis=1), top == truth), abs=TOL
    )
    assert cal.mean_confidence == pytest.approx(proba.max(axis=1).mean(), abs=TOL)
    assert cal.n_bins == 15
    assert sum(b.count for b in cal.bins) == 800
    gaps = [abs(b.gap) for b in cal.bins if b.gap is not None]
    assert cal.mce == pytest.approx(max(gaps))
    assert cal.ece <= cal.mce


def test_top_k_only_up_to_the_number_of_classes() -> None:
    proba = np.array([[0.9, 0.1], [0.4, 0.6], [0.5, 0.5]])
    m = classification_metrics(
        ["yes", "no", "no"], ["yes", "no", "yes"], proba=proba, classes=["yes", "no"]
    )
    assert m.calibration is not None
    assert set(m.calibration.top_k_accuracy) == {1}
    # the tie in the last row goes to the first column ("yes"), as argmax does
    assert m.calibration.top_k_accuracy[1] == pytest.approx(2 / 3)


def test_log_loss_is_finite_with_zero_probabilities() -> None:
    m = classification_metrics(
        ["a", "b"], ["b", "b"], proba=np.array([[0.0, 1.0], [0.0, 1.0]]), classes=["a", "b"]
    )
    assert m.calibration is not None
    assert np.isfinite(m.calibration.log_loss)
    assert m.calibration.log_loss > 10


# --------------------------------------------------------------------------- bootstrap


def test_bootstrap_intervals_contain_estimate_and_narrow_with_n() -> None:
    widths = []
    for n in (200, 5000):
        y_true, y_pred, _, _ = _predictions(n, 10, 0.75, seed=n)
        m = classification_metrics(y_true, y_pred, n_bootstrap=500, seed=1)
        assert m.accuracy_ci is not None
        assert m.macro_f1_ci is not None
        assert m.accuracy in m.accuracy_ci
        assert m.macro_f1 in m.macro_f1_ci
        assert m.accuracy_ci.estimate == m.accuracy
        assert m.accuracy_ci.n_resamples == 500
        assert m.accuracy_ci.level == 0.95
        widths.append((m.accuracy_ci.width, m.macro_f1_ci.width))
    assert widths[1][0] < widths[0][0] / 3
    assert widths[1][1] < widths[0][1] / 3


def test_bootstrap_is_reproducible_and_matches_bootstrap_ci() -> None:
    y_true, y_pred, _, _ = _predictions(300, 5, 0.6, seed=7)
    first = classification_metrics(y_true, y_pred, n_bootstrap=300, seed=3)
    again = classification_metrics(y_true, y_pred, n_bootstrap=300, seed=3)
    other = classification_metrics(y_true, y_pred, n_bootstrap=300, seed=4)
    assert first == again
    assert first.accuracy_ci != other.accuracy_ci
    correct = np.array(y_true) == np.array(y_pred)
    assert bootstrap_ci(correct, n_bootstrap=300, seed=3) == first.accuracy_ci
    assert classification_metrics(y_true, y_pred, n_bootstrap=0).accuracy_ci is None


def test_bootstrap_macro_f1_replicates_match_a_loop() -> None:
    """The vectorised per-resample macro-F1 equals sklearn on the same resampled indices."""
    from colloquy.evaluation.metrics import _bootstrap_accuracy_and_macro_f1, _resample_indices

    y_true, y_pred, _, classes = _predictions(120, 6, 0.6, seed=11)
    index = {c: i for i, c in enumerate(classes)}
    t = np.array([index[y] for y in y_true], dtype=np.intp)
    p = np.array([index[y] for y in y_pred], dtype=np.intp)
    accuracies, f1s = _bootstrap_accuracy_and_macro_f1(t, p, len(classes), 20, seed=2)
    rows = np.concatenate(list(_resample_indices(len(t), 20, seed=2)))
    for row, acc, f1 in zip(rows, accuracies, f1s, strict=True):
        assert acc == pytest.approx(skm.accuracy_score(t[row], p[row]), abs=TOL)
        assert f1 == pytest.approx(skm.f1_score(t[row], p[row], average="macro"), abs=TOL)


def test_bootstrap_ci_of_a_bernoulli_mean() -> None:
    rng = np.random.default_rng(0)
    values = (rng.random(2000) < 0.7).astype(float)
    ci = bootstrap_ci(values, n_bootstrap=1000, seed=0)
    half_width = 1.96 * np.sqrt(0.7 * 0.3 / 2000)
    assert ci.width == pytest.approx(2 * half_width, rel=0.15)
    assert values.mean() in ci
    ci90 = bootstrap_ci(values, n_bootstrap=1000, seed=0, level=0.9)
    assert ci90.width < ci.width


def test_percentile_interval() -> None:
    ci = percentile_interval(np.arange(101, dtype=float), estimate=50.0)
    assert (ci.low, ci.high) == pytest.approx((2.5, 97.5))
    assert ci.n_resamples == 101
    assert 50 in ci
    assert 1 not in ci
    assert "x" not in ci
    assert ConfidenceInterval(0.5, 0.4, 0.6).width == pytest.approx(0.2)


# --------------------------------------------------------------------------- scale and output


def test_77_classes_3080_examples_is_fast() -> None:
    y_true, y_pred, proba, classes = _predictions(3080, 77, 0.85, seed=42)
    _, y_other, _, _ = _predictions(3080, 77, 0.8, seed=43)
    start = time.perf_counter()
    m = classification_metrics(y_true, y_pred, proba=proba, classes=classes, n_bootstrap=1000)
    mcnemar(y_true, y_pred, y_other)
    paired_bootstrap(y_true, y_pred, y_other, n=1000, seed=0)
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"took {elapsed:.2f} s"
    assert len(m.labels) == 77
    assert m.macro_f1_ci is not None
    assert m.macro_f1_ci.n_resamples == 1000


def test_to_dict_is_json_serialisable() -> None:
    y_true, y_pred, proba, classes = _predictions(200, 6, 0.7, seed=9)
    m = classification_metrics(y_true, y_pred, proba=proba, classes=classes, n_bootstrap=100)
    document = json.loads(json.dumps(m.to_dict(), allow_nan=False))
    assert document["n"] == 200
    assert document["labels"] == classes
    assert document["accuracy"] == m.accuracy
    assert document["accuracy_ci"]["n_resamples"] == 100
    assert document["calibration"]["top_k_accuracy"].keys() == {"top_1", "top_3", "top_5"}
    assert len(document["calibration"]["bins"]) == 15
    assert len(document["per_class"]) == 6
    assert document["confusion"] == [list(row) for row in m.confusion]
    assert len(document["most_confused"]) == min(10, len(m.most_confused(100)))
    assert isinstance(m, ClassificationMetrics)
