"""PNG figures for evaluation reports: confusion matrix, reliability, ROC/PR, model comparison.

Figures are drawn on a bare :class:`matplotlib.figure.Figure` with the Agg canvas, never
through ``pyplot``: pyplot keeps global state (a current figure, an interactive backend) that
leaks memory in long-running services and breaks in threads and on headless machines. Each
function takes the :class:`~colloquy.evaluation.metrics.ClassificationMetrics` it draws and a
path, writes one PNG and returns the path. Sizes and fonts scale with the number of classes so
a 77-class confusion matrix stays readable. The binary-outcome figures (calibration curve, ROC
and precision-recall curves, a metric against the share of the conversation seen) take the
outcomes and predicted probabilities directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure

from colloquy.errors import UsageError
from colloquy.evaluation.binary import binary_metrics, pr_curve, roc_curve
from colloquy.evaluation.metrics import ClassificationMetrics, reliability_bins

__all__ = [
    "calibration_curve_png",
    "comparison_bar_png",
    "confusion_matrix_png",
    "metric_by_prefix_png",
    "reliability_diagram_png",
    "roc_pr_png",
]

DPI = 120
_ANNOTATE_UP_TO = 20
"""Cells get their value written in them up to this many classes."""


def _new_figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Figure, path: Path | str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, format="png", dpi=DPI, metadata={"Software": None})
    return target


def _shown_classes(matrix: np.ndarray, max_classes: int) -> np.ndarray:
    """Indices of the classes to draw: all, or the ``max_classes`` most involved in errors."""
    size = matrix.shape[0]
    if size <= max_classes:
        return np.arange(size)
    errors = matrix.sum(axis=0) + matrix.sum(axis=1) - 2 * np.diag(matrix)
    keep = np.argsort(-errors, kind="stable")[:max_classes]
    return np.sort(keep)


def confusion_matrix_png(
    metrics: ClassificationMetrics,
    path: Path | str,
    *,
    normalize: bool = True,
    max_classes: int = 80,
    title: str | None = None,
) -> Path:
    """Draw the confusion matrix (rows: true class, columns: predicted) as a heat map.

    With ``normalize`` each row is divided by the class's support, so a cell is the share of
    that class predicted as the column's class and the diagonal is recall. Beyond
    ``max_classes`` classes only those most involved in errors are drawn (rows still
    normalised by the full support).
    """
    if max_classes < 1:
        raise UsageError(f"max_classes must be >= 1, got {max_classes}")
    matrix = metrics.confusion_matrix()
    support = matrix.sum(axis=1)
    keep = _shown_classes(matrix, max_classes)
    values = matrix[np.ix_(keep, keep)].astype(np.float64)
    if normalize:
        values = np.divide(
            values,
            support[keep, None],
            out=np.zeros_like(values),
            where=support[keep, None] > 0,
        )
    labels = [metrics.labels[i] for i in keep]
    size = len(labels)
    side = min(18.0, max(5.0, 3.0 + 0.16 * size))
    # about half a cell's height in points: 77 classes on a 15-inch figure get 6-point labels
    tick_font = max(3.5, min(9.0, 0.5 * side * 72.0 * 0.8 / max(size, 1)))

    figure = _new_figure(side + 1.2, side)
    axes = figure.add_subplot()
    top = 1.0 if normalize else max(float(values.max()), 1.0)
    # a square-root colour scale: a 3 % confusion is visible next to a 95 % diagonal
    image = axes.imshow(
        values,
        cmap="Blues",
        norm=PowerNorm(gamma=0.5, vmin=0.0, vmax=top),
        interpolation="nearest",
        aspect="equal",
    )
    ticks = np.arange(size)
    axes.set_xticks(ticks, labels, rotation=90, fontsize=tick_font)
    axes.set_yticks(ticks, labels, fontsize=tick_font)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    if size <= _ANNOTATE_UP_TO:
        threshold = 0.35 * top
        for (row, col), value in np.ndenumerate(values):
            text = f"{value:.2f}" if normalize else f"{int(value)}"
            colour = "white" if value > threshold else "black"
            axes.text(col, row, text, ha="center", va="center", fontsize=7, color=colour)
    # evenly spaced on the square-root scale, so the labels do not crowd at the top
    scale_ticks = np.unique(np.array([0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 1.0]) * top)
    if not normalize:
        scale_ticks = np.unique(np.round(scale_ticks))
    colorbar = figure.colorbar(image, ax=axes, shrink=0.6, ticks=scale_ticks)
    colorbar.set_label("share of true class" if normalize else "examples")
    heading = title or "Confusion matrix"
    if size < matrix.shape[0]:
        heading += f" ({size} of {matrix.shape[0]} classes with the most errors)"
    axes.set_title(f"{heading}\naccuracy {metrics.accuracy:.3f}, n = {metrics.n:,}")
    return _save(figure, path)


def reliability_diagram_png(
    metrics: ClassificationMetrics, path: Path | str, *, title: str | None = None
) -> Path:
    """Draw accuracy against confidence per bin, the diagonal of perfect calibration and ECE.

    The lower panel shows how many examples fall in each bin, which says how much each bar
    can be trusted.
    """
    calibration = metrics.calibration
    if calibration is None:
        raise UsageError(
            "these metrics have no calibration (no probabilities were given)",
            hint="pass proba= and classes= to classification_metrics",
        )
    bins = [b for b in calibration.bins if b.count]
    width = 1.0 / calibration.n_bins
    lowers = np.array([b.lower for b in bins])
    accuracy = np.array([b.accuracy or 0.0 for b in bins])
    confidence = np.array([b.confidence or 0.0 for b in bins])
    shares = np.array([b.count for b in bins], dtype=np.float64) / metrics.n

    figure = _new_figure(6.0, 7.0)
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    top.bar(
        lowers,
        accuracy,
        width=width,
        align="edge",
        color="#4c72b0",
        edgecolor="black",
        linewidth=0.6,
        label="accuracy",
    )
    top.bar(
        lowers,
        confidence - accuracy,
        bottom=accuracy,
        width=width,
        align="edge",
        fill=False,
        edgecolor="#c44e52",
        hatch="///",
        linewidth=0.6,
        label="gap to confidence",
    )
    top.plot([0.0, 1.0], [0.0, 1.0], linestyle="--", color="grey", label="perfect calibration")
    top.set_xlim(0.0, 1.0)
    top.set_ylim(0.0, 1.0)
    top.set_ylabel("accuracy")
    top.legend(loc="upper left", fontsize=8)
    top.set_title(
        f"{title or 'Reliability diagram'}: ECE = {calibration.ece:.3f}\n"
        f"mean confidence {calibration.mean_confidence:.3f}, top-1 accuracy "
        f"{calibration.top_k_accuracy.get(1, metrics.accuracy):.3f}"
    )
    bottom.bar(
        lowers, shares, width=width, align="edge", color="grey", edgecolor="black", linewidth=0.6
    )
    bottom.set_xlabel("confidence (top predicted probability)")
    bottom.set_ylabel("share of examples")
    return _save(figure, path)


def comparison_bar_png(
    rows: Mapping[str, ClassificationMetrics] | Sequence[tuple[str, ClassificationMetrics]],
    path: Path | str,
    *,
    title: str | None = None,
) -> Path:
    """Draw one horizontal bar of accuracy per model, with its bootstrap interval when known.

    ``rows`` are ``(model name, metrics)`` pairs (or a mapping) drawn top to bottom in order.
    """
    pairs = list(rows.items()) if isinstance(rows, Mapping) else list(rows)
    if not pairs:
        raise UsageError("comparison_bar_png needs at least one model")
    names = [name for name, _ in pairs]
    accuracy = np.array([m.accuracy for _, m in pairs])
    lows = np.array([m.accuracy_ci.low if m.accuracy_ci else m.accuracy for _, m in pairs])
    highs = np.array([m.accuracy_ci.high if m.accuracy_ci else m.accuracy for _, m in pairs])
    errors = np.vstack([accuracy - lows, highs - accuracy]).clip(min=0.0)
    positions = np.arange(len(pairs))

    figure = _new_figure(7.5, 1.4 + 0.5 * len(pairs))
    axes = figure.add_subplot()
    axes.barh(
        positions,
        accuracy,
        xerr=errors,
        color="#4c72b0",
        capsize=4,
        error_kw={"elinewidth": 1.0, "ecolor": "black"},
    )
    for y, value, high in zip(positions, accuracy, highs, strict=True):
        axes.text(float(high) + 0.012, float(y), f"{value:.3f}", va="center", fontsize=8)
    axes.set_yticks(positions, names, fontsize=9)
    axes.invert_yaxis()
    axes.set_xlim(0.0, 1.1)
    axes.set_xticks(np.linspace(0.0, 1.0, 11))
    axes.set_xlabel("accuracy (error bars: 95 % bootstrap interval)")
    axes.set_title(title or "Model comparison")
    axes.grid(axis="x", alpha=0.3)
    return _save(figure, path)


def calibration_curve_png(
    y_true: npt.ArrayLike,
    proba: npt.ArrayLike,
    path: Path | str,
    *,
    n_bins: int = 10,
    title: str | None = None,
) -> Path:
    """Draw the observed conversion rate against the mean predicted probability per bin.

    Bins are ``n_bins`` equal-width intervals of the predicted probability; each point is
    labelled with its count, and the lower panel shows the counts, because a bin of six
    conversations says little. Points on the diagonal mean the probabilities can be taken
    at face value (for pricing a lead, not just ranking it).
    """
    scores = np.asarray(proba, dtype=np.float64)
    metrics = binary_metrics(y_true, scores, n_bootstrap=0)
    bins = reliability_bins(scores, np.asarray(y_true, dtype=np.float64), n_bins)
    filled = [b for b in bins if b.count]
    predicted = np.array([b.confidence or 0.0 for b in filled])
    observed = np.array([b.accuracy or 0.0 for b in filled])
    counts = np.array([b.count for b in filled])
    width = 1.0 / n_bins

    figure = _new_figure(6.0, 7.0)
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    top.plot([0.0, 1.0], [0.0, 1.0], linestyle="--", color="grey", label="perfect calibration")
    top.plot(predicted, observed, marker="o", color="#4c72b0", label="model")
    for x, y, count in zip(predicted, observed, counts, strict=True):
        top.annotate(
            f"{count}",
            (float(x), float(y)),
            textcoords="offset points",
            xytext=(4, -10 if y > 0.5 else 4),  # inside the axes at both ends
            fontsize=7,
        )
    top.set_xlim(0.0, 1.0)
    top.set_ylim(0.0, 1.0)
    top.set_ylabel("observed conversion rate")
    top.legend(loc="upper left", fontsize=8)
    top.set_title(
        f"{title or 'Calibration curve'}\nBrier {metrics.brier:.3f}, log loss "
        f"{metrics.log_loss:.3f}, base rate {metrics.base_rate:.3f}, n = {metrics.n:,}"
    )
    bottom.bar(
        [b.lower for b in bins],
        [b.count for b in bins],
        width=width,
        align="edge",
        color="grey",
        edgecolor="black",
        linewidth=0.6,
    )
    bottom.set_xlabel("predicted probability")
    bottom.set_ylabel("examples")
    return _save(figure, path)


def roc_pr_png(
    y_true: npt.ArrayLike,
    curves: Mapping[str, npt.ArrayLike],
    path: Path | str,
    *,
    title: str | None = None,
) -> Path:
    """Draw ROC (left) and precision-recall (right) curves of several models side by side.

    ``curves`` maps a model name to its predicted probabilities for the same examples as
    ``y_true``. PR is shown beside ROC because with few converters ROC flatters a model that
    only sorts the easy negatives; the PR panel's dotted line is the base rate.
    """
    if not curves:
        raise UsageError("roc_pr_png needs at least one model's probabilities")
    figure = _new_figure(11.0, 5.0)
    roc_axes, pr_axes = figure.subplots(1, 2)
    base_rate = 0.0
    for name, proba in curves.items():
        metrics = binary_metrics(y_true, proba, n_bootstrap=0)
        base_rate = metrics.base_rate
        fpr, tpr = roc_curve(y_true, proba)
        recall, precision = pr_curve(y_true, proba)
        roc_axes.plot(fpr, tpr, label=f"{name} (AUC {metrics.roc_auc:.3f})")
        pr_axes.step(recall, precision, where="pre", label=f"{name} (AP {metrics.pr_auc:.3f})")
    roc_axes.plot([0.0, 1.0], [0.0, 1.0], linestyle="--", color="grey", label="random")
    roc_axes.set_xlabel("false positive rate")
    roc_axes.set_ylabel("true positive rate")
    roc_axes.set_title("ROC")
    pr_axes.axhline(base_rate, linestyle=":", color="grey", label=f"base rate {base_rate:.3f}")
    pr_axes.set_xlabel("recall")
    pr_axes.set_ylabel("precision")
    pr_axes.set_title("Precision-recall")
    for axes in (roc_axes, pr_axes):
        axes.set_xlim(0.0, 1.0)
        axes.set_ylim(0.0, 1.02)
        axes.grid(alpha=0.3)
        axes.legend(loc="lower right" if axes is roc_axes else "upper right", fontsize=8)
    if title:
        figure.suptitle(title)
    return _save(figure, path)


def metric_by_prefix_png(
    ratios: Sequence[float],
    series: Mapping[str, Sequence[float]],
    path: Path | str,
    *,
    metric: str = "ROC-AUC",
    title: str | None = None,
) -> Path:
    """Draw a metric against the share of each conversation seen, one line per model.

    ``ratios`` are the prefix shares (e.g. 0.25, 0.5, 0.75, 1.0) and each series holds one
    value per ratio; this is the figure that says how early a conversion can be called.
    """
    if not ratios:
        raise UsageError("metric_by_prefix_png needs at least one prefix ratio")
    if not series:
        raise UsageError("metric_by_prefix_png needs at least one series")
    for name, values in series.items():
        if len(values) != len(ratios):
            raise UsageError(
                f"series {name!r} has {len(values)} values for {len(ratios)} ratios",
                hint="give one value per prefix ratio, in the same order",
            )
    figure = _new_figure(7.0, 4.5)
    axes = figure.add_subplot()
    xs = np.asarray(ratios, dtype=np.float64) * 100.0
    for name, values in series.items():
        axes.plot(xs, np.asarray(values, dtype=np.float64), marker="o", label=name)
    axes.set_xlabel("share of the conversation seen (%)")
    axes.set_ylabel(metric)
    axes.set_xticks(xs)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8)
    axes.set_title(title or f"{metric} by conversation prefix")
    return _save(figure, path)
