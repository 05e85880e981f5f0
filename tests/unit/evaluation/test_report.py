"""The report folder: every file written, valid PNGs, a self-contained HTML, consistent data."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest

from colloquy.errors import UsageError
from colloquy.evaluation import (
    ClassificationMetrics,
    ReportFiles,
    classification_metrics,
    comparison_bar_png,
    confusion_matrix_png,
    mcnemar,
    reliability_diagram_png,
    write_classification_report,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _case(
    n: int, k: int, accuracy: float, seed: int, *, with_proba: bool = True
) -> tuple[ClassificationMetrics, list[str], list[str]]:
    rng = np.random.default_rng(seed)
    classes = [f"intent_{i:02d}" for i in range(k)]
    truth = rng.integers(0, k, n)
    pred = np.where(rng.random(n) < accuracy, truth, rng.integers(0, k, n))
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), pred] += 3.0
    proba = np.exp(logits)
    proba /= proba.sum(axis=1, keepdims=True)
    y_true = [classes[i] for i in truth]
    y_pred = [classes[i] for i in pred]
    metrics = classification_metrics(
        y_true,
        y_pred,
        proba=proba if with_proba else None,
        classes=classes,
        n_bootstrap=200,
    )
    return metrics, y_true, y_pred


def _is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == PNG_MAGIC


def test_full_report(tmp_path: Path) -> None:
    metrics, y_true, y_pred = _case(400, 6, 0.8, seed=0)
    baseline, _, base_pred = _case(400, 6, 0.5, seed=0)
    test = mcnemar(y_true, y_pred, base_pred)
    files = write_classification_report(
        metrics,
        tmp_path / "out",
        title="tfidf | logreg",
        baselines={"majority_class": baseline},
        mcnemar_vs={"majority_class": test},
        extra={"dataset": "banking77", "seed": 0, "split": Path("splits/v1.json")},
    )
    assert isinstance(files, ReportFiles)
    assert files.out_dir == tmp_path / "out"
    names = {path.name for path in files.paths()}
    assert names == {
        "metrics.json",
        "per_class.csv",
        "confusion.csv",
        "confusion.png",
        "reliability.png",
        "comparison.png",
        "report.md",
        "report.html",
    }
    for path in files.paths():
        assert path.is_file(), path
        assert path.stat().st_size > 0, path
    for png in (files.confusion_png, files.reliability_png, files.comparison_png):
        assert png is not None
        assert _is_png(png)

    document = json.loads(files.metrics_json.read_text(encoding="utf-8"))
    assert document["title"] == "tfidf | logreg"
    assert document["metrics"]["accuracy"] == metrics.accuracy
    assert document["baselines"]["majority_class"]["accuracy"] == baseline.accuracy
    assert document["mcnemar"]["majority_class"]["p_value"] == test.p_value
    assert document["extra"] == {"dataset": "banking77", "seed": 0, "split": "splits/v1.json"}

    with files.per_class_csv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["label"] for row in rows] == list(metrics.labels)
    assert [int(row["support"]) for row in rows] == [c.support for c in metrics.per_class]
    assert float(rows[0]["f1"]) == metrics.per_class[0].f1

    with files.confusion_csv.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0][1:] == list(metrics.labels)
    assert [[int(v) for v in row[1:]] for row in table[1:]] == [
        list(row) for row in metrics.confusion
    ]

    markdown = files.markdown.read_text(encoding="utf-8")
    assert markdown.startswith("# tfidf \\| logreg\n")
    for heading in (
        "## Summary",
        "## Comparison with baselines",
        "## Most confused pairs",
        "## Worst 10 classes by F1",
    ):
        assert heading in markdown
    assert f"{metrics.accuracy:.4f}" in markdown
    assert metrics.accuracy_ci is not None
    assert f"[{metrics.accuracy_ci.low:.4f}, {metrics.accuracy_ci.high:.4f}]" in markdown
    assert f"{test.b} / {test.c}" in markdown
    assert "![confusion matrix](confusion.png)" in markdown
    assert "![reliability diagram](reliability.png)" in markdown
    pair = metrics.most_confused(1)[0]
    assert f"| `{pair.true}` | `{pair.predicted}` | {pair.count} |" in markdown
    worst = metrics.worst_classes(1)[0]
    assert f"`{worst.label}`" in markdown
    assert "ECE (15 bins)" in markdown

    page = files.html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("data:image/png;base64,") == 3
    assert not re.search(r'src="(?!data:)', page)
    assert "tfidf | logreg" in page
    assert "<code>intent_00</code>" in page or "<code>intent_0" in page


def test_report_without_probabilities_or_baselines(tmp_path: Path) -> None:
    metrics, _, _ = _case(150, 4, 0.7, seed=1, with_proba=False)
    files = write_classification_report(metrics, tmp_path, title="no proba")
    assert files.reliability_png is None
    assert files.comparison_png is None
    assert not (tmp_path / "reliability.png").exists()
    assert len(files.paths()) == 6
    markdown = files.markdown.read_text(encoding="utf-8")
    assert "Comparison with baselines" not in markdown
    assert "reliability" not in markdown
    assert files.html.read_text(encoding="utf-8").count("data:image/png;base64,") == 1
    document = json.loads(files.metrics_json.read_text(encoding="utf-8"))
    assert document["metrics"]["calibration"] is None
    assert json.loads(json.dumps(files.to_dict()))["reliability_png"] is None


def test_mcnemar_without_baseline_metrics(tmp_path: Path) -> None:
    metrics, y_true, y_pred = _case(200, 3, 0.8, seed=2, with_proba=False)
    other = ["intent_00"] * len(y_true)
    files = write_classification_report(
        metrics,
        tmp_path,
        title="m",
        mcnemar_vs={"always intent_00": mcnemar(y_true, y_pred, other)},
    )
    assert files.comparison_png is None
    assert "| always intent_00 | — |" in files.markdown.read_text(encoding="utf-8")


def test_77_class_report(tmp_path: Path) -> None:
    metrics, _, _ = _case(3080, 77, 0.85, seed=3)
    files = write_classification_report(metrics, tmp_path, title="banking77")
    assert _is_png(files.confusion_png)
    assert files.reliability_png is not None
    assert _is_png(files.reliability_png)
    markdown = files.markdown.read_text(encoding="utf-8")
    worst_section = markdown.split("## Worst 10 classes by F1")[1].split("##")[0]
    assert worst_section.count("| `intent_") == 10


def test_labels_that_look_like_markup(tmp_path: Path) -> None:
    y_true = ["a|b", "<script>", "a|b", "x_y_"]
    y_pred = ["<script>", "a|b", "a|b", "x_y_"]
    metrics = classification_metrics(y_true, y_pred, n_bootstrap=0)
    files = write_classification_report(metrics, tmp_path, title="<b>odd</b>")
    markdown = files.markdown.read_text(encoding="utf-8")
    assert "`a\\|b`" in markdown
    page = files.html.read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "<h1>&lt;b&gt;odd&lt;/b&gt;</h1>" in page


def test_report_argument_checks(tmp_path: Path) -> None:
    metrics, y_true, y_pred = _case(100, 3, 0.8, seed=4, with_proba=False)
    smaller, _, _ = _case(90, 3, 0.8, seed=4, with_proba=False)
    with pytest.raises(UsageError, match="title"):
        write_classification_report(metrics, tmp_path, title=" ")
    with pytest.raises(UsageError, match="same test set"):
        write_classification_report(metrics, tmp_path, title="t", baselines={"s": smaller})
    wrong = mcnemar(y_true[:90], y_pred[:90], y_pred[:90])
    with pytest.raises(UsageError, match="same test set"):
        write_classification_report(metrics, tmp_path, title="t", mcnemar_vs={"s": wrong})


def test_plots_standalone(tmp_path: Path) -> None:
    metrics, _, _ = _case(300, 30, 0.6, seed=5)
    counts = confusion_matrix_png(metrics, tmp_path / "deep" / "counts.png", normalize=False)
    top = confusion_matrix_png(metrics, tmp_path / "top.png", max_classes=10)
    small, _, _ = _case(60, 5, 0.6, seed=6)
    annotated = confusion_matrix_png(small, tmp_path / "small.png")
    reliability = reliability_diagram_png(metrics, tmp_path / "rel.png", title="r")
    by_mapping = comparison_bar_png({"a": metrics, "b": small}, tmp_path / "cmp1.png")
    by_rows = comparison_bar_png([("a", metrics)], tmp_path / "cmp2.png", title="one")
    for path in (counts, top, annotated, reliability, by_mapping, by_rows):
        assert path.is_file()
        assert _is_png(path)


def test_plot_argument_checks(tmp_path: Path) -> None:
    metrics, _, _ = _case(50, 3, 0.6, seed=7, with_proba=False)
    with pytest.raises(UsageError, match="calibration"):
        reliability_diagram_png(metrics, tmp_path / "r.png")
    with pytest.raises(UsageError):
        confusion_matrix_png(metrics, tmp_path / "c.png", max_classes=0)
    with pytest.raises(UsageError):
        comparison_bar_png([], tmp_path / "x.png")
