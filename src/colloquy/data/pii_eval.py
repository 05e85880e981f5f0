"""Measuring the PII masker against hand-labelled text.

A masker that is never measured drifts: a regex tweak that catches one more phone format can
quietly start masking order numbers. This module scores :func:`colloquy.data.pii.detect_pii`
against labelled cases — span-level exact match, per kind and micro-averaged — so a test can
pin precision and recall, and a person can print the table.

A case is one JSON object per line::

    {"id": "bank-001", "text": "my card 4111 1111 1111 1111 ...",
     "spans": [{"kind": "card", "text": "4111 1111 1111 1111"}], "note": "optional"}

Each expected span names its kind and its exact substring; the substring is located in the
text left to right (a repeated substring is listed once per occurrence), or at ``start`` when
given. A case with no spans is a hard negative: anything found in it is a false positive.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, ValidationError

from colloquy.data.pii import PiiConfig, PiiKind, PiiSpan, detect_pii
from colloquy.errors import DataError, ParseError

__all__ = [
    "ExpectedSpan",
    "KindScores",
    "PiiCase",
    "evaluate_pii",
    "format_scores",
    "gold_spans",
    "load_pii_cases",
]

MICRO = "micro"
"""The key of the micro-averaged scores (all kinds pooled) in :func:`evaluate_pii`'s result."""


class ExpectedSpan(BaseModel):
    """One labelled piece of personal data: its kind and exact text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: PiiKind
    text: str
    start: int | None = None


class PiiCase(BaseModel):
    """One labelled line of text."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    text: str
    spans: tuple[ExpectedSpan, ...] = ()
    note: str | None = None
    written: str | None = None
    """When the case was written: ``before-tuning`` or ``after-tuning`` (independent sets)."""


class KindScores(NamedTuple):
    """Span-level exact-match scores for one kind (or ``micro`` for all kinds together)."""

    precision: float
    recall: float
    f1: float
    support: int
    """How many labelled spans of this kind there are."""


def load_pii_cases(path: Path | str) -> list[PiiCase]:
    """Read labelled cases from a JSON-lines file; blank lines are skipped."""
    path = Path(path)
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = PiiCase.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise ParseError(str(exc).splitlines()[0], path=path, line=number) from None
        gold_spans(case)  # fail here, with the line number, if a substring is missing
        cases.append(case)
    return cases


def _find_whole(text: str, part: str, start: int) -> int:
    """The first occurrence of ``part`` from ``start`` that is not inside a longer token.

    "10.10.10.25" is looked for as a whole, not as the start of "10.10.10.256"; when there
    is no such occurrence, the first occurrence of any kind (or -1).
    """
    first = position = text.find(part, start)
    while position >= 0:
        before = text[position - 1 : position] if position else ""
        after = text[position + len(part) : position + len(part) + 1]
        if not before.isalnum() and not after.isalnum():
            return position
        position = text.find(part, position + 1)
    return first


def gold_spans(case: PiiCase) -> list[PiiSpan]:
    """The labelled spans of ``case`` as positions in its text."""
    next_search: dict[str, int] = {}
    spans = []
    for expected in case.spans:
        start = expected.start
        if start is None:
            start = _find_whole(case.text, expected.text, next_search.get(expected.text, 0))
        if start < 0 or case.text[start : start + len(expected.text)] != expected.text:
            raise DataError(
                f"case {case.id!r}: expected {expected.kind.value} {expected.text!r} "
                "is not in the text",
                hint="copy the substring exactly, once per occurrence",
            )
        next_search[expected.text] = start + len(expected.text)
        spans.append(PiiSpan(expected.kind, start, start + len(expected.text)))
    return spans


def _scores(tp: int, fp: int, fn: int) -> KindScores:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return KindScores(precision, recall, f1, tp + fn)


def evaluate_pii(
    cases: Iterable[PiiCase],
    config: PiiConfig | None = None,
    detector: Callable[[str], Iterable[PiiSpan]] | None = None,
) -> dict[str, KindScores]:
    """Per-kind and micro-averaged precision, recall, F1 and support (exact span match).

    ``detector`` replaces :func:`detect_pii`, so another masker can be scored on the same cases.

    Keys are the kind values (``email``, ``phone``, ``card`` …) and ``micro``.
    A kind with no labelled and no predicted spans scores 0.0 throughout.
    """
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for case in cases:
        gold = set(gold_spans(case))
        found = detector(case.text) if detector is not None else detect_pii(case.text, config)
        predicted = set(found)
        for span in predicted & gold:
            tp[span.kind.value] += 1
        for span in predicted - gold:
            fp[span.kind.value] += 1
        for span in gold - predicted:
            fn[span.kind.value] += 1
    result = {kind.value: _scores(tp[kind], fp[kind], fn[kind]) for kind in PiiKind}
    result[MICRO] = _scores(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return result


def format_scores(scores: dict[str, KindScores]) -> str:
    """A plain-text table of :func:`evaluate_pii`'s result, one row per kind."""
    lines = [f"{'kind':<7} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>7}"]
    for kind, row in scores.items():
        lines.append(
            f"{kind:<7} {row.precision:>9.3f} {row.recall:>7.3f} {row.f1:>6.3f} {row.support:>7}"
        )
    return "\n".join(lines)
