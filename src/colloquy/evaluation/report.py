"""One folder per evaluation: machine-readable files, figures and a report a person can read.

A model is judged by people who will not rerun the code, so every evaluation leaves behind the
same set of files: ``metrics.json`` (everything, for tools and for diffing two runs),
``per_class.csv`` and ``confusion.csv`` (for spreadsheets), ``confusion.png`` and — when the
model gave probabilities — ``reliability.png``, ``comparison.png`` when there are baselines,
and the same report twice: ``report.md`` for the repository and ``report.html`` with the
images embedded, a single file that can be mailed or attached to a ticket.

The report is built once as a list of blocks (headings, tables, images) and rendered to both
Markdown and HTML, so the two never disagree.
"""

from __future__ import annotations

import base64
import csv
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from colloquy.errors import UsageError
from colloquy.evaluation.metrics import ClassificationMetrics, ConfidenceInterval
from colloquy.evaluation.plots import (
    comparison_bar_png,
    confusion_matrix_png,
    reliability_diagram_png,
)
from colloquy.evaluation.significance import McNemarResult

__all__ = ["ReportFiles", "write_classification_report"]

ALPHA = 0.05
"""The significance level the comparison table marks."""

WORST_CLASSES = 10
MOST_CONFUSED = 10


@dataclass(frozen=True)
class ReportFiles:
    """The files :func:`write_classification_report` wrote."""

    out_dir: Path
    metrics_json: Path
    per_class_csv: Path
    confusion_csv: Path
    confusion_png: Path
    markdown: Path
    html: Path
    reliability_png: Path | None = None
    comparison_png: Path | None = None

    def paths(self) -> list[Path]:
        """Every file written, in a stable order."""
        candidates = [
            self.metrics_json,
            self.per_class_csv,
            self.confusion_csv,
            self.confusion_png,
            self.reliability_png,
            self.comparison_png,
            self.markdown,
            self.html,
        ]
        return [path for path in candidates if path is not None]

    def to_dict(self) -> dict[str, str | None]:
        """A JSON-serialisable copy (paths as strings)."""
        return {
            "out_dir": str(self.out_dir),
            "metrics_json": str(self.metrics_json),
            "per_class_csv": str(self.per_class_csv),
            "confusion_csv": str(self.confusion_csv),
            "confusion_png": str(self.confusion_png),
            "reliability_png": str(self.reliability_png) if self.reliability_png else None,
            "comparison_png": str(self.comparison_png) if self.comparison_png else None,
            "markdown": str(self.markdown),
            "html": str(self.html),
        }


# --------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class _Code:
    """A table cell shown as code (class labels: identifiers, not prose)."""

    text: str


_Cell = str | _Code


@dataclass(frozen=True)
class _Heading:
    level: int
    text: str


@dataclass(frozen=True)
class _Paragraph:
    text: str


@dataclass(frozen=True)
class _Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[_Cell, ...], ...]
    numeric: tuple[bool, ...]
    """Right-align this column."""


@dataclass(frozen=True)
class _Image:
    path: Path
    alt: str


_Block = _Heading | _Paragraph | _Table | _Image


def _number(value: float, digits: int = 4) -> str:
    return f"{value:.{digits}f}"


def _interval(ci: ConfidenceInterval | None, digits: int = 4) -> str:
    if ci is None:
        return "—"
    return f"[{ci.low:.{digits}f}, {ci.high:.{digits}f}]"


def _p_value(p: float) -> str:
    return "< 0.0001" if p < 1e-4 else f"{p:.4f}"


def _summary_table(metrics: ClassificationMetrics) -> _Table:
    rows: list[tuple[_Cell, ...]] = [
        ("examples", f"{metrics.n:,}", ""),
        ("classes", f"{len(metrics.labels):,}", ""),
        ("accuracy", _number(metrics.accuracy), _interval(metrics.accuracy_ci)),
        ("macro F1", _number(metrics.macro_f1), _interval(metrics.macro_f1_ci)),
        ("macro precision", _number(metrics.macro_precision), ""),
        ("macro recall", _number(metrics.macro_recall), ""),
        ("weighted F1", _number(metrics.weighted_f1), ""),
        ("weighted precision", _number(metrics.weighted_precision), ""),
        ("weighted recall", _number(metrics.weighted_recall), ""),
    ]
    calibration = metrics.calibration
    if calibration is not None:
        rows.extend(
            [
                (f"ECE ({calibration.n_bins} bins)", _number(calibration.ece), ""),
                ("MCE", _number(calibration.mce), ""),
                ("mean confidence", _number(calibration.mean_confidence), ""),
                ("log loss", _number(calibration.log_loss), ""),
            ]
        )
        rows.extend(
            (f"top-{k} accuracy", _number(value), "")
            for k, value in sorted(calibration.top_k_accuracy.items())
        )
    level = metrics.accuracy_ci.level if metrics.accuracy_ci else 0.95
    return _Table(
        headers=("metric", "value", f"{level:.0%} bootstrap CI"),
        rows=tuple(rows),
        numeric=(False, True, True),
    )


def _comparison_table(
    title: str,
    metrics: ClassificationMetrics,
    baselines: Mapping[str, ClassificationMetrics],
    mcnemar_vs: Mapping[str, McNemarResult],
) -> _Table:
    rows: list[tuple[_Cell, ...]] = [
        (
            f"{title} (this model)",
            _number(metrics.accuracy),
            _interval(metrics.accuracy_ci),
            _number(metrics.macro_f1),
            _interval(metrics.macro_f1_ci),
            "",
            "",
            "",
            "",
        )
    ]
    names = list(baselines) + [name for name in mcnemar_vs if name not in baselines]
    for name in names:
        base = baselines.get(name)
        test = mcnemar_vs.get(name)
        if base is not None:
            delta = metrics.accuracy - base.accuracy
        elif test is not None:
            delta = test.accuracy_difference
        else:  # pragma: no cover - names come from the two mappings
            continue
        rows.append(
            (
                name,
                _number(base.accuracy) if base else "—",
                _interval(base.accuracy_ci) if base else "—",
                _number(base.macro_f1) if base else "—",
                _interval(base.macro_f1_ci) if base else "—",
                f"{delta:+.4f}",
                f"{test.b} / {test.c}" if test else "—",
                _p_value(test.p_value) if test else "—",
                ("yes" if test.significant(ALPHA) else "no") if test else "—",
            )
        )
    return _Table(
        headers=(
            "model",
            "accuracy",
            "accuracy CI",
            "macro F1",
            "macro F1 CI",
            "Δ accuracy (this − model)",
            "McNemar b / c",
            "p-value",
            f"p < {ALPHA}",
        ),
        rows=tuple(rows),
        numeric=(False, True, True, True, True, True, True, True, False),
    )


def _confused_table(metrics: ClassificationMetrics) -> _Table:
    pairs = metrics.most_confused(MOST_CONFUSED)
    return _Table(
        headers=("true class", "predicted as", "count", "share of true class"),
        rows=tuple(
            (_Code(pair.true), _Code(pair.predicted), str(pair.count), f"{pair.share:.1%}")
            for pair in pairs
        ),
        numeric=(False, False, True, True),
    )


def _worst_table(metrics: ClassificationMetrics) -> _Table:
    return _Table(
        headers=("class", "F1", "precision", "recall", "support", "predicted"),
        rows=tuple(
            (
                _Code(row.label),
                _number(row.f1),
                _number(row.precision),
                _number(row.recall),
                str(row.support),
                str(row.predicted),
            )
            for row in metrics.worst_classes(WORST_CLASSES)
        ),
        numeric=(False, True, True, True, True, True),
    )


def _extra_value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def _blocks(
    title: str,
    metrics: ClassificationMetrics,
    files: ReportFiles,
    baselines: Mapping[str, ClassificationMetrics],
    mcnemar_vs: Mapping[str, McNemarResult],
    extra: Mapping[str, object],
) -> list[_Block]:
    blocks: list[_Block] = [
        _Heading(1, title),
        _Heading(2, "Summary"),
        _summary_table(metrics),
    ]
    if metrics.accuracy_ci is not None:
        blocks.append(
            _Paragraph(
                f"Intervals: percentile bootstrap over examples, "
                f"{metrics.accuracy_ci.n_resamples:,} resamples."
            )
        )
    if extra:
        blocks += [
            _Heading(2, "Run"),
            _Table(
                headers=("key", "value"),
                rows=tuple((str(key), _extra_value(value)) for key, value in extra.items()),
                numeric=(False, False),
            ),
        ]
    if baselines or mcnemar_vs:
        blocks += [
            _Heading(2, "Comparison with baselines"),
            _comparison_table(title, metrics, baselines, mcnemar_vs),
            _Paragraph(
                "McNemar's test on the same examples: b = this model right and the baseline "
                "wrong, c = the reverse (exact binomial test when b + c < 25, chi-square with "
                "continuity correction otherwise)."
            ),
        ]
        if files.comparison_png is not None:
            blocks.append(_Image(files.comparison_png, "accuracy per model"))
    blocks += [
        _Heading(2, f"Most confused pairs (top {MOST_CONFUSED})"),
        _confused_table(metrics),
        _Heading(2, f"Worst {WORST_CLASSES} classes by F1"),
        _worst_table(metrics),
        _Heading(2, "Confusion matrix"),
        _Image(files.confusion_png, "confusion matrix"),
    ]
    if files.reliability_png is not None:
        blocks += [
            _Heading(2, "Calibration"),
            _Image(files.reliability_png, "reliability diagram"),
        ]
    blocks.append(
        _Paragraph(
            "Files: " + ", ".join(path.name for path in files.paths() if path != files.markdown)
        )
    )
    return blocks


# --------------------------------------------------------------------------- rendering


_MD_SPECIAL = re.compile(
    r"[\\`*|]"  # always special
    r"|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])"  # emphasis, but not snake_case inside a word
    r"|<(?=[A-Za-z/!?])"  # the start of an HTML tag, but not "p < 0.05"
)


def _md_text(text: str) -> str:
    """Escape what Markdown would otherwise read as markup; newlines become spaces."""
    return _MD_SPECIAL.sub(lambda match: "\\" + match.group(0), text).replace("\n", " ")


def _md_cell(cell: _Cell) -> str:
    if isinstance(cell, _Code):
        fence = "``" if "`" in cell.text else "`"
        pad = " " if fence == "``" else ""
        text = cell.text.replace("|", "\\|").replace("\n", " ")
        return f"{fence}{pad}{text}{pad}{fence}"
    return _md_text(cell)


def _render_markdown(blocks: Sequence[_Block]) -> str:
    parts = []
    for block in blocks:
        if isinstance(block, _Heading):
            parts.append(f"{'#' * block.level} {_md_text(block.text)}")
        elif isinstance(block, _Paragraph):
            parts.append(_md_text(block.text))
        elif isinstance(block, _Image):
            parts.append(f"![{block.alt}]({block.path.name})")
        else:
            lines = [
                "| " + " | ".join(_md_text(h) for h in block.headers) + " |",
                "|" + "|".join("---:" if right else "---" for right in block.numeric) + "|",
            ]
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            if not block.rows:
                lines = ["_(none)_"]
            parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 70em; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
th { background: #f2f2f2; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 0.95em; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
"""


def _html_cell(cell: _Cell) -> str:
    if isinstance(cell, _Code):
        return f"<code>{html.escape(cell.text)}</code>"
    return html.escape(cell)


def _embedded(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:image/png;base64,{data}"


def _render_html(title: str, blocks: Sequence[_Block]) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
    ]
    for block in blocks:
        if isinstance(block, _Heading):
            parts.append(f"<h{block.level}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, _Paragraph):
            parts.append(f"<p>{html.escape(block.text)}</p>")
        elif isinstance(block, _Image):
            parts.append(f'<p><img src="{_embedded(block.path)}" alt="{html.escape(block.alt)}">')
        elif not block.rows:
            parts.append("<p><em>(none)</em></p>")
        else:
            parts.append("<table>")
            parts.append(
                "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in block.headers) + "</tr>"
            )
            for row in block.rows:
                cells = "".join(
                    f'<td class="num">{_html_cell(c)}</td>'
                    if right
                    else f"<td>{_html_cell(c)}</td>"
                    for c, right in zip(row, block.numeric, strict=True)
                )
                parts.append(f"<tr>{cells}</tr>")
            parts.append("</table>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- files


def _write_per_class(metrics: ClassificationMetrics, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["label", "precision", "recall", "f1", "support", "predicted"])
        for row in metrics.per_class:
            writer.writerow(
                [
                    row.label,
                    repr(row.precision),
                    repr(row.recall),
                    repr(row.f1),
                    row.support,
                    row.predicted,
                ]
            )


def _write_confusion(metrics: ClassificationMetrics, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["true \\ predicted", *metrics.labels])
        for label, counts in zip(metrics.labels, metrics.confusion, strict=True):
            writer.writerow([label, *counts])


def _metrics_document(
    title: str,
    metrics: ClassificationMetrics,
    baselines: Mapping[str, ClassificationMetrics],
    mcnemar_vs: Mapping[str, McNemarResult],
    extra: Mapping[str, object],
) -> dict[str, Any]:
    return {
        "title": title,
        "metrics": metrics.to_dict(),
        "baselines": {name: m.to_dict() for name, m in baselines.items()},
        "mcnemar": {name: result.to_dict() for name, result in mcnemar_vs.items()},
        "extra": dict(extra),
    }


def write_classification_report(
    metrics: ClassificationMetrics,
    out_dir: Path,
    *,
    title: str,
    baselines: Mapping[str, ClassificationMetrics] | None = None,
    mcnemar_vs: Mapping[str, McNemarResult] | None = None,
    extra: Mapping[str, object] | None = None,
) -> ReportFiles:
    """Write the evaluation folder for ``metrics`` into ``out_dir`` (created if missing).

    ``baselines`` are other models scored on the same examples; ``mcnemar_vs[name]`` is
    ``mcnemar(y_true, this model's predictions, name's predictions)``. ``extra`` (model name,
    dataset, split, timings …) is shown in the report and stored in ``metrics.json``; values
    that JSON cannot hold are stored as their ``str``.
    """
    if not title.strip():
        raise UsageError("the report needs a title", hint="e.g. title='intent: tfidf-logreg'")
    baselines = dict(baselines or {})
    mcnemar_vs = dict(mcnemar_vs or {})
    extra = dict(extra or {})
    for name, base in baselines.items():
        if base.n != metrics.n:
            raise UsageError(
                f"baseline {name!r} was scored on {base.n} examples, this model on {metrics.n}",
                hint="score every model on the same test set",
            )
    for name, result in mcnemar_vs.items():
        if result.n != metrics.n:
            raise UsageError(
                f"McNemar result for {name!r} covers {result.n} examples, metrics cover "
                f"{metrics.n}",
                hint="run the test on the same test set as the metrics",
            )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    comparison_png = None
    if baselines:
        comparison_png = comparison_bar_png(
            [(f"{title} (this model)", metrics), *baselines.items()],
            out / "comparison.png",
            title=f"{title}: accuracy against baselines",
        )
    files = ReportFiles(
        out_dir=out,
        metrics_json=out / "metrics.json",
        per_class_csv=out / "per_class.csv",
        confusion_csv=out / "confusion.csv",
        confusion_png=confusion_matrix_png(metrics, out / "confusion.png", title=title),
        markdown=out / "report.md",
        html=out / "report.html",
        reliability_png=(
            reliability_diagram_png(metrics, out / "reliability.png", title=title)
            if metrics.calibration is not None
            else None
        ),
        comparison_png=comparison_png,
    )
    document = _metrics_document(title, metrics, baselines, mcnemar_vs, extra)
    files.metrics_json.write_text(
        json.dumps(document, indent=1, default=str, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    _write_per_class(metrics, files.per_class_csv)
    _write_confusion(metrics, files.confusion_csv)
    blocks = _blocks(title, metrics, files, baselines, mcnemar_vs, extra)
    files.markdown.write_text(_render_markdown(blocks), encoding="utf-8")
    files.html.write_text(_render_html(title, blocks), encoding="utf-8")
    return files
