"""The data quality report as typed, frozen records: what was measured, not how it looks.

The CLI table, the HTML page and the JSON document all render the same
:class:`QualityReport`; the rendering lives in :mod:`colloquy.data.quality.render`, which
the ``to_table_rows`` / ``to_html`` shortcuts import only when called (it brings in
matplotlib).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from colloquy.data.loaders.base import Problem

TableRow = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class NumberSummary:
    """Summary statistics of a count (e.g. turns per conversation)."""

    min: int
    mean: float
    median: float
    p95: float
    max: int

    def to_dict(self) -> dict[str, float]:
        return {
            "min": self.min,
            "mean": self.mean,
            "median": self.median,
            "p95": self.p95,
            "max": self.max,
        }


@dataclass(frozen=True, slots=True)
class SpeakerShare:
    """How much one speaker role says: turns and words, absolute and as a share."""

    turns: int
    words: int
    turn_share: float
    word_share: float


@dataclass(frozen=True, slots=True)
class Violation:
    """A rule the schema cannot enforce on one record, broken by ``count`` records."""

    rule: str
    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class QualityReport:
    """Everything :func:`~colloquy.data.quality.quality_report` measured in one pass."""

    conversations: int
    turns: int
    completeness: Mapping[str, float]
    """Share of turns with text/timestamp/intent/speaker_id, of conversations with
    outcome/metadata."""
    empty_texts: int
    duplicate_texts: int
    """Turns whose normalised text appeared in an earlier turn."""
    duplicate_examples: tuple[tuple[str, int], ...]
    """The most repeated normalised texts and how many times each occurs in all."""
    label_key: str
    label_counts: Mapping[str, int]
    unlabelled: int
    imbalance_ratio: float | None
    turns_per_conversation: NumberSummary | None
    turn_count_histogram: Mapping[int, int]
    speakers: Mapping[str, SpeakerShare]
    violations: tuple[Violation, ...] = ()
    problems: tuple[Problem, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of the whole report."""
        tpc = self.turns_per_conversation
        return {
            "conversations": self.conversations,
            "turns": self.turns,
            "completeness": dict(self.completeness),
            "empty_texts": self.empty_texts,
            "duplicates": {
                "duplicate_texts": self.duplicate_texts,
                "top": [{"text": t, "count": c} for t, c in self.duplicate_examples],
            },
            "labels": {
                "key": self.label_key,
                "classes": len(self.label_counts),
                "counts": dict(self.label_counts),
                "unlabelled": self.unlabelled,
                "imbalance_ratio": self.imbalance_ratio,
            },
            "turns_per_conversation": tpc.to_dict() if tpc is not None else None,
            "turn_count_histogram": {str(k): v for k, v in self.turn_count_histogram.items()},
            "speakers": {
                role: {
                    "turns": s.turns,
                    "words": s.words,
                    "turn_share": s.turn_share,
                    "word_share": s.word_share,
                }
                for role, s in self.speakers.items()
            },
            "violations": [
                {"rule": v.rule, "count": v.count, "examples": list(v.examples)}
                for v in self.violations
            ],
            "problems": [
                {"path": p.path, "line": p.line, "message": p.message} for p in self.problems
            ],
        }

    def to_table_rows(self) -> list[TableRow]:
        """``(section, metric, value)`` rows, values formatted for a terminal table."""
        from colloquy.data.quality.render import table_rows

        return table_rows(self)

    def to_html(self, path: Path | str) -> Path:
        """Write a self-contained HTML page (charts embedded as PNG) and return its path."""
        from colloquy.data.quality.render import write_html

        return write_html(self, path)


__all__ = ["NumberSummary", "QualityReport", "SpeakerShare", "TableRow", "Violation"]
