"""The single streaming pass that measures a dataset for the data quality report.

Models fail quietly on bad data — an intent with five examples, half the texts duplicated,
agent turns without text, timestamps that are never filled. :func:`quality_report` reads
the conversations once and keeps only counters (per label, per turn count, per speaker),
64-bit hashes of normalised texts and of ids (for duplicate detection) and the texts that
do repeat, so it runs on datasets that do not fit in memory. What it measured is a frozen
:class:`~colloquy.data.quality.report.QualityReport`; how that looks is
:mod:`colloquy.data.quality.render`'s business.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import pairwise

from colloquy.data.labeling import label_of
from colloquy.data.loaders.base import Problem
from colloquy.data.quality.report import NumberSummary, QualityReport, SpeakerShare, Violation
from colloquy.schema import Conversation, Speaker, Turn

TOP_EXAMPLES = 10
"""How many duplicated texts and rule violations the report keeps as examples."""


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


__all__ = ["TOP_EXAMPLES", "normalise_text", "quality_report", "summarise_counts"]
