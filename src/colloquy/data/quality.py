"""A data quality report: what a dataset really contains before anyone trains on it.

Models fail quietly on bad data — an intent with five examples, half the texts duplicated,
agent turns without text, timestamps that are never filled. :func:`quality_report` reads
the conversations once, streaming, and keeps only counters (per label, per turn count, per
speaker), 64-bit hashes of normalised texts and of ids (for duplicate detection) and the
texts that do repeat, so it runs on datasets that do not fit in memory. The result renders
as JSON (``to_dict``), as rows for a terminal table (``to_table_rows``) and as a
self-contained HTML page with charts (``to_html``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from colloquy.data.labeling import label_of
from colloquy.data.loaders.base import Problem
from colloquy.schema import Conversation, Speaker, Turn

TOP_EXAMPLES = 10
"""How many duplicated texts and rule violations the report keeps as examples."""

CHART_LABELS = 80
"""The label chart shows at most this many (the largest) classes."""

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
    """Everything :func:`quality_report` measured; see the module docstring."""

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
        return [
            *self._overview_rows(),
            *self._completeness_rows(),
            *self._label_rows(),
            *self._shape_rows(),
            *self._issue_rows(),
        ]

    def to_html(self, path: Path | str) -> Path:
        """Write a self-contained HTML page (charts embedded as PNG) and return its path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_render_html(self), encoding="utf-8")
        return target

    def _overview_rows(self) -> list[TableRow]:
        return [
            ("overview", "conversations", f"{self.conversations:,}"),
            ("overview", "turns", f"{self.turns:,}"),
            ("overview", "empty texts", f"{self.empty_texts:,}"),
            ("overview", "duplicate texts", f"{self.duplicate_texts:,}"),
        ]

    def _completeness_rows(self) -> list[TableRow]:
        return [("completeness", name, _pct(share)) for name, share in self.completeness.items()]

    def _label_rows(self) -> list[TableRow]:
        ratio = "n/a" if self.imbalance_ratio is None else f"{self.imbalance_ratio:.2f}"
        rows = [
            ("labels", "key", self.label_key),
            ("labels", "classes", str(len(self.label_counts))),
            ("labels", "unlabelled", f"{self.unlabelled:,}"),
            ("labels", "imbalance ratio (max/min)", ratio),
        ]
        if self.label_counts:
            counts = list(self.label_counts.items())
            rows.append(("labels", "largest class", f"{counts[0][0]} ({counts[0][1]:,})"))
            rows.append(("labels", "smallest class", f"{counts[-1][0]} ({counts[-1][1]:,})"))
        return rows

    def _shape_rows(self) -> list[TableRow]:
        rows: list[TableRow] = []
        tpc = self.turns_per_conversation
        if tpc is not None:
            for name, value in tpc.to_dict().items():
                rows.append(("turns per conversation", name, _num(value)))
        for role, share in self.speakers.items():
            spoken = f"{_pct(share.turn_share)} of turns, {_pct(share.word_share)} of words"
            rows.append(("speakers", role, spoken))
        return rows

    def _issue_rows(self) -> list[TableRow]:
        rows = [("violations", v.rule, f"{v.count:,}") for v in self.violations]
        rows.append(("problems", "load problems", f"{len(self.problems):,}"))
        rows.extend(("problems", "", str(p)) for p in self.problems[:TOP_EXAMPLES])
        return rows


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


# --------------------------------------------------------------------------- measuring


def normalise_text(text: str) -> str:
    """Casefold and collapse whitespace: the key for duplicate detection."""
    return " ".join(text.casefold().split())


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


class _Duplicates:
    """Exact duplicates of normalised texts, remembering only hashes of texts seen once."""

    def __init__(self) -> None:
        self._seen: set[int] = set()
        self._repeats: Counter[str] = Counter()
        self.count = 0

    def add(self, text: str) -> None:
        key = normalise_text(text)
        digest = _digest(key)
        if digest in self._seen:
            self.count += 1
            self._repeats[key] += 1
        else:
            self._seen.add(digest)

    def top(self, n: int) -> tuple[tuple[str, int], ...]:
        return tuple((text, extra + 1) for text, extra in self._repeats.most_common(n))


class _RuleCheck:
    """Counts records breaking one rule and keeps a few example ids."""

    def __init__(self, rule: str) -> None:
        self.rule = rule
        self.count = 0
        self.examples: list[str] = []

    def hit(self, example: str) -> None:
        self.count += 1
        if len(self.examples) < TOP_EXAMPLES:
            self.examples.append(example)

    def result(self) -> Violation:
        return Violation(self.rule, self.count, tuple(self.examples))


_TURN_FIELDS = ("text", "timestamp", "intent", "speaker_id")
_CONVERSATION_FIELDS = ("outcome", "metadata")


class _Accumulator:
    """The single pass: every counter the report needs, updated one conversation at a time."""

    def __init__(self, label_key: str) -> None:
        self.label_key = label_key
        self.conversations = 0
        self.turns = 0
        self.filled: Counter[str] = Counter()
        self.empty_texts = 0
        self.duplicates = _Duplicates()
        self.labels: Counter[str] = Counter()
        self.unlabelled = 0
        self.turn_counts: Counter[int] = Counter()
        self.speaker_turns: Counter[str] = Counter()
        self.speaker_words: Counter[str] = Counter()
        self.seen_ids: set[int] = set()
        self.checks = {
            name: _RuleCheck(name)
            for name in ("conversation without turns", "duplicate id", "timestamps out of order")
        }

    def add(self, conversation: Conversation) -> None:
        self.conversations += 1
        self.turns += len(conversation.turns)
        self.turn_counts[len(conversation.turns)] += 1
        self._conversation_fields(conversation)
        self._label(conversation)
        self._rules(conversation)
        for turn in conversation.turns:
            self._turn(turn)

    def _conversation_fields(self, conversation: Conversation) -> None:
        if conversation.outcome is not None:
            self.filled["outcome"] += 1
        if conversation.metadata:
            self.filled["metadata"] += 1

    def _label(self, conversation: Conversation) -> None:
        label = label_of(conversation, self.label_key)
        if label is None:
            self.unlabelled += 1
        else:
            self.labels[label] += 1

    def _rules(self, conversation: Conversation) -> None:
        if not conversation.turns:
            self.checks["conversation without turns"].hit(conversation.id)
        digest = _digest(conversation.id)
        if digest in self.seen_ids:
            self.checks["duplicate id"].hit(conversation.id)
        self.seen_ids.add(digest)
        stamps = [t.timestamp for t in conversation.turns if t.timestamp is not None]
        if any(later < earlier for earlier, later in pairwise(stamps)):
            self.checks["timestamps out of order"].hit(conversation.id)

    def _turn(self, turn: Turn) -> None:
        has_text = bool(turn.text.strip())
        for name, present in zip(
            _TURN_FIELDS,
            (has_text, turn.timestamp is not None, turn.intent is not None, turn.speaker_id),
            strict=True,
        ):
            if present:
                self.filled[name] += 1
        role = turn.speaker.value
        self.speaker_turns[role] += 1
        self.speaker_words[role] += len(turn.text.split())
        if has_text:
            self.duplicates.add(turn.text)
        else:
            self.empty_texts += 1

    def report(self, problems: Sequence[Problem]) -> QualityReport:
        return QualityReport(
            conversations=self.conversations,
            turns=self.turns,
            completeness=self._completeness(),
            empty_texts=self.empty_texts,
            duplicate_texts=self.duplicates.count,
            duplicate_examples=self.duplicates.top(TOP_EXAMPLES),
            label_key=self.label_key,
            label_counts=dict(sorted(self.labels.items(), key=lambda kv: (-kv[1], kv[0]))),
            unlabelled=self.unlabelled,
            imbalance_ratio=_imbalance(self.labels),
            turns_per_conversation=summarise_counts(self.turn_counts),
            turn_count_histogram=dict(sorted(self.turn_counts.items())),
            speakers=self._speakers(),
            violations=tuple(c.result() for c in self.checks.values()),
            problems=tuple(problems),
        )

    def _completeness(self) -> dict[str, float]:
        shares = {f"turn {name}": _share(self.filled[name], self.turns) for name in _TURN_FIELDS}
        for name in _CONVERSATION_FIELDS:
            shares[f"conversation {name}"] = _share(self.filled[name], self.conversations)
        return shares

    def _speakers(self) -> dict[str, SpeakerShare]:
        words = sum(self.speaker_words.values())
        return {
            role.value: SpeakerShare(
                turns=self.speaker_turns[role.value],
                words=self.speaker_words[role.value],
                turn_share=_share(self.speaker_turns[role.value], self.turns),
                word_share=_share(self.speaker_words[role.value], words),
            )
            for role in Speaker
            if self.speaker_turns[role.value]
        }


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _imbalance(counts: Counter[str]) -> float | None:
    if not counts:
        return None
    return max(counts.values()) / min(counts.values())


def summarise_counts(counts: Mapping[int, int]) -> NumberSummary | None:
    """Min, mean, median, 95th percentile and max of values given as ``value -> frequency``.

    Percentiles interpolate linearly between ranks, as ``numpy.percentile`` does by default.
    """
    total = sum(counts.values())
    if total == 0:
        return None
    ordered = sorted((v, f) for v, f in counts.items() if f > 0)
    mean = sum(v * f for v, f in ordered) / total
    return NumberSummary(
        min=ordered[0][0],
        mean=mean,
        median=_quantile(ordered, total, 0.5),
        p95=_quantile(ordered, total, 0.95),
        max=ordered[-1][0],
    )


def _quantile(ordered: Sequence[tuple[int, int]], total: int, q: float) -> float:
    position = (total - 1) * q
    low, high = math.floor(position), math.ceil(position)
    lower, upper = _value_at(ordered, low), _value_at(ordered, high)
    return lower + (position - low) * (upper - lower)


def _value_at(ordered: Sequence[tuple[int, int]], rank: int) -> int:
    seen = 0
    for value, frequency in ordered:
        seen += frequency
        if rank < seen:
            return value
    return ordered[-1][0]


def quality_report(
    conversations: Iterable[Conversation],
    *,
    label_key: str | None = None,
    problems: Iterable[Problem] | Callable[[], Iterable[Problem]] = (),
) -> QualityReport:
    """Measure ``conversations`` in one streaming pass; see :class:`QualityReport`.

    ``label_key`` names the label whose distribution is reported (default ``"intent"``:
    ``labels["intent"]``, else the first turn intent). ``problems`` are the rows a loader
    left out, reported with file and line. A streaming loader only knows them once the pass
    is over (and starts a fresh report when ``load`` begins), so pass a callable such as
    ``lambda: loader.report.problems``; it is called after the last conversation.
    """
    accumulator = _Accumulator(label_key or "intent")
    for conversation in conversations:
        accumulator.add(conversation)
    found = problems() if callable(problems) else problems
    return accumulator.report(list(found))


# --------------------------------------------------------------------------- HTML


def _png(figure: Figure) -> str:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="chart" src="data:image/png;base64,{encoded}">'


def _label_chart(counts: Mapping[str, int]) -> Figure:
    names = list(counts)[:CHART_LABELS][::-1]
    figure = Figure(figsize=(8, max(2.5, 0.18 * len(names) + 1)))
    axes = figure.add_subplot()
    axes.barh(range(len(names)), [counts[n] for n in names], color="#4c72b0")
    axes.set_yticks(range(len(names)), names, fontsize=7 if len(names) > 30 else 9)
    axes.set_xlabel("conversations")
    shown = "" if len(counts) <= CHART_LABELS else f" (largest {CHART_LABELS} of {len(counts)})"
    axes.set_title(f"label distribution{shown}")
    axes.margins(y=0.01)
    return figure


def _turns_chart(histogram: Mapping[int, int]) -> Figure:
    figure = Figure(figsize=(8, 3.5))
    axes = figure.add_subplot()
    values, weights = list(histogram), list(histogram.values())
    bins = min(50, max(values) - min(values) + 1)
    axes.hist(values, bins=bins, weights=weights, color="#55a868", edgecolor="white")
    axes.set_xlabel("turns per conversation")
    axes.set_ylabel("conversations")
    axes.set_title("turns per conversation")
    return figure


def _speaker_chart(speakers: Mapping[str, SpeakerShare]) -> Figure:
    figure = Figure(figsize=(6, 3))
    axes = figure.add_subplot()
    roles = list(speakers)
    positions = range(len(roles))
    axes.bar([p - 0.2 for p in positions], [speakers[r].turn_share for r in roles], 0.4)
    axes.bar([p + 0.2 for p in positions], [speakers[r].word_share for r in roles], 0.4)
    axes.set_xticks(list(positions), roles)
    axes.set_ylabel("share")
    axes.set_ylim(0, 1)
    axes.legend(["turns", "words"])
    axes.set_title("speaker balance")
    return figure


def _charts(report: QualityReport) -> list[tuple[str, str]]:
    charts: list[tuple[str, str]] = []
    if report.label_counts:
        charts.append(("Label distribution", _png(_label_chart(report.label_counts))))
    if report.turn_count_histogram:
        charts.append(("Turns per conversation", _png(_turns_chart(report.turn_count_histogram))))
    if report.speakers:
        charts.append(("Speaker balance", _png(_speaker_chart(report.speakers))))
    return charts


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .6rem;
text-align:left;vertical-align:top}th{background:#f3f3f3}img{max-width:100%}
"""


def _table(rows: Iterable[Sequence[str]], header: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _render_html(report: QualityReport) -> str:
    sections = [
        "<h2>Summary</h2>",
        _table(report.to_table_rows(), ("section", "metric", "value")),
    ]
    if report.duplicate_examples:
        sections.append("<h2>Most duplicated texts</h2>")
        repeats = [(text, str(count)) for text, count in report.duplicate_examples]
        sections.append(_table(repeats, ("normalised text", "occurrences")))
    for title, image in _charts(report):
        sections.append(f"<h2>{html.escape(title)}</h2>{image}")
    if report.problems:
        sections.append("<h2>Load problems</h2>")
        rows = [(p.path, "" if p.line is None else str(p.line), p.message) for p in report.problems]
        sections.append(_table(rows, ("file", "line", "message")))
    data = html.escape(json.dumps(report.to_dict(), indent=1))
    sections.append(f"<details><summary>raw JSON</summary><pre>{data}</pre></details>")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>colloquy data quality</title><style>{_STYLE}</style></head>"
        f"<body><h1>Data quality report</h1>{''.join(sections)}</body></html>"
    )
