"""Metrics, significance tests, plots and reports for colloquy's models.

A classifier is evaluated in three steps: :func:`classification_metrics` scores its
predictions (with bootstrap intervals and, given probabilities, calibration); :func:`mcnemar`
and :func:`paired_bootstrap` say whether it beats a baseline on the same examples; and
:func:`write_classification_report` leaves a folder of JSON, CSV, PNG, Markdown and HTML
behind for people and tools.

A conversion (binary-outcome) model is scored by :func:`binary_metrics` (ROC-AUC with a
bootstrap interval, average precision, Brier, log loss, lift); :func:`delong_test` compares two
such models on the same predictions and :func:`mean_ci` summarises a metric over folds.
"""

from colloquy.evaluation.binary import (
    BinaryMetrics,
    DeLongResult,
    MeanInterval,
    binary_metrics,
    delong_test,
    lift_at,
    mean_ci,
    pr_curve,
    roc_curve,
)
from colloquy.evaluation.metrics import (
    CalibrationBin,
    CalibrationMetrics,
    ClassificationMetrics,
    ClassMetrics,
    ConfidenceInterval,
    ConfusedPair,
    bootstrap_ci,
    bootstrap_replicates,
    classification_metrics,
    expected_calibration_error,
    percentile_interval,
    reliability_bins,
)
from colloquy.evaluation.plots import (
    calibration_curve_png,
    comparison_bar_png,
    confusion_matrix_png,
    metric_by_prefix_png,
    reliability_diagram_png,
    roc_pr_png,
)
from colloquy.evaluation.report import ReportFiles, write_classification_report
from colloquy.evaluation.significance import (
    McNemarResult,
    PairedBootstrapResult,
    mcnemar,
    paired_bootstrap,
)

__all__ = [
    "BinaryMetrics",
    "CalibrationBin",
    "CalibrationMetrics",
    "ClassMetrics",
    "ClassificationMetrics",
    "ConfidenceInterval",
    "ConfusedPair",
    "DeLongResult",
    "McNemarResult",
    "MeanInterval",
    "PairedBootstrapResult",
    "ReportFiles",
    "binary_metrics",
    "bootstrap_ci",
    "bootstrap_replicates",
    "calibration_curve_png",
    "classification_metrics",
    "comparison_bar_png",
    "confusion_matrix_png",
    "delong_test",
    "expected_calibration_error",
    "lift_at",
    "mcnemar",
    "mean_ci",
    "metric_by_prefix_png",
    "paired_bootstrap",
    "percentile_interval",
    "pr_curve",
    "reliability_bins",
    "reliability_diagram_png",
    "roc_curve",
    "roc_pr_png",
    "write_classification_report",
]
