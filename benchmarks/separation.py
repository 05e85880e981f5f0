"""Which talk dynamics and VADER sentiment separate converted conversations from the others.

PersuasionForGood (converted = the persuadee donated, ``B6 > 0``) and CraigslistBargain
``dev.json`` (converted = a deal was accepted), every conversation, metrics over the whole
conversation (descriptive: the ending is included, so a metric may reflect the outcome).
Cliff's delta with a 1,000-resample percentile bootstrap 95 % CI, two-sided Mann-Whitney
p raw and Holm-adjusted over the metrics of one dataset; sorted by |delta|.

    python -m benchmarks.separation
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks._report import datasets_dir, markdown_table, write_section
from colloquy.analytics.separation import SeparationReport, separate
from colloquy.data.loaders import get_loader

DATASETS = (
    ("persuasion4good", "PersuasionForGood", "donated"),
    ("craigslist_bargain", "CraigslistBargain (dev)", "deal"),
)
HEADERS = (
    "metric",
    "median converted",
    "median not",
    "Cliff's delta [95 % CI]",
    "Mann-Whitney p",
    "Holm p",
    "unavailable",
)


def _number(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"


def _table(report: SeparationReport) -> str:
    rows = [
        (
            m.metric,
            _number(m.median_converted),
            _number(m.median_not_converted),
            f"{m.cliffs_delta:+.3f} [{m.ci_low:+.3f}, {m.ci_high:+.3f}]",
            f"{m.p_value:.2g}",
            f"{m.p_holm:.2g}",
            m.unavailable,
        )
        for m in report.metrics
    ]
    return markdown_table(HEADERS, rows)


def main() -> None:
    parts: list[str] = []
    result: dict[str, Any] = {}
    for source, title, outcome in DATASETS:
        conversations = list(get_loader(source).load(datasets_dir() / source))
        start = time.perf_counter()
        report = separate(conversations, resamples=1000, seed=0)
        seconds = time.perf_counter() - start
        skipped = ", ".join(f"{s.metric} ({s.unavailable} unavailable)" for s in report.skipped)
        parts.append(
            f"### {title}: {report.converted} {outcome} vs {report.not_converted} not "
            f"({report.unlabelled} unlabelled), {seconds:.1f} s\n\n{_table(report)}\n\n"
            f"Skipped (fewer than 2 values in a group): {skipped or 'none'}."
        )
        result[source] = {
            "converted": report.converted,
            "not_converted": report.not_converted,
            "unlabelled": report.unlabelled,
            "seconds": round(seconds, 2),
            "metrics": [
                {
                    "metric": m.metric,
                    "median_converted": m.median_converted,
                    "median_not_converted": m.median_not_converted,
                    "cliffs_delta": m.cliffs_delta,
                    "ci": [m.ci_low, m.ci_high],
                    "p_value": m.p_value,
                    "p_holm": m.p_holm,
                    "unavailable": m.unavailable,
                }
                for m in report.metrics
            ],
            "skipped": {s.metric: s.unavailable for s in report.skipped},
        }
    body = (
        "Per conversation: `talk_dynamics` metrics and VADER compound per speaker (mean, and "
        "last minus first turn). Converted vs not: medians, Cliff's delta (positive = higher "
        "when converted) with a 1,000-resample bootstrap 95 % CI, Mann-Whitney p (raw, Holm "
        "over the dataset's metrics); sorted by |delta|. Descriptive: metrics read the whole "
        "conversation, ending included. Time metrics missing for a conversation are left out "
        "and counted (`unavailable`), never zero.\n\n" + "\n\n".join(parts)
    )
    write_section(
        "analytics-separation",
        "Analytics: what separates converted conversations",
        "python -m benchmarks.separation",
        body,
        result,
    )


if __name__ == "__main__":
    main()
