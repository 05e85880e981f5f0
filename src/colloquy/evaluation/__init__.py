"""Metrics, significance tests, plots and reports for colloquy's models.

A classifier is evaluated in three steps: :func:`classification_metrics` scores its
predictions (with bootstrap intervals and, given probabilities, calibration); :func:`mcnemar`
and :func:`paired_bootstrap` say whether it beats a baseline on the same examples; and
:func:`write_classification_report` leaves a folder of JSON, CSV, PNG, Markdown and HTML
behind for people and tools.
"""

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
    comparison_bar_png,
    confusion_matrix_png,
    reliability_diagram_png,
)
from colloquy.evaluation.report import ReportFiles, write_classification_report
from colloquy.evaluation.significance import (
    McNemarResult,
    PairedBootstrapResult,
    mcnemar,
    paired_bootstrap,
)

__all__ = [
    "CalibrationBin",
    "CalibrationMetrics",
    "ClassMetrics",
    "ClassificationMetrics",
    "ConfidenceInterval",
    "ConfusedPair",
    "McNemarResult",
    "PairedBootstrapResult",
    "ReportFiles",
    "bootstrap_ci",
    "bootstrap_replicates",
    "classification_metrics",
    "comparison_bar_png",
    "confusion_matrix_png",
    "expected_calibration_error",
    "mcnemar",
    "paired_bootstrap",
    "percentile_interval",
    "reliability_bins",
    "reliability_diagram_png",
    "write_classification_report",
]
