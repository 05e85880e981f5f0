"""Which talk dynamics and sentiment separate converted conversations from the others.

A coach asks "do the chats that end in a donation (or a deal) talk differently?". For each
metric of :func:`colloquy.analytics.dynamics.talk_dynamics` and each speaker's VADER
sentiment, :func:`separate` compares the converted group with the rest: both medians,
Cliff's delta (rank-based, so skewed times and counts need no transformation) with a
percentile-bootstrap confidence interval, and a two-sided Mann-Whitney p-value (raw and
Holm-adjusted over all metrics, since many metrics are tested at once). Metrics come back
sorted by absolute effect size.

Descriptive, not predictive: the metrics read the whole conversation, ending included, so
they may reflect the outcome as much as cause it. A time metric is ``None`` for an untimed
conversation; such values are left out of that metric and counted (``unavailable``), never
read as 0, and a metric with fewer than two values in either group is skipped and named.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from statistics import median

import numpy as np
from scipy.stats import mannwhitneyu

from colloquy.analytics.dynamics import TalkDynamics, talk_dynamics
from colloquy.analytics.sentiment import SentimentModel, VaderSentiment
from colloquy.errors import UsageError
from colloquy.features.transcript import is_spoken
from colloquy.schema import Conversation, Speaker

ROLES: tuple[tuple[str, Speaker], ...] = (("customer", Speaker.CUSTOMER), ("agent", Speaker.AGENT))
"""The two sides compared, by the name used in metric names."""

MIN_GROUP = 2
"""Fewest available values per group for a metric to be compared."""


@dataclass(frozen=True, slots=True)
class MetricSeparation:
    """How one metric differs between converted conversations and the others.

    ``cliffs_delta`` is P(converted value > other) - P(converted value < other), in [-1, 1]:
    positive means converted conversations score higher. ``unavailable`` counts the
    conversations (both groups) whose value for this metric is missing.
    """

    metric: str
    n_converted: int
    n_not_converted: int
    unavailable: int
    median_converted: float
    median_not_converted: float
    cliffs_delta: float
    ci_low: float
    ci_high: float
    p_value: float
    p_holm: float


@dataclass(frozen=True, slots=True)
class SkippedMetric:
    """A metric with too few values to compare, and how many conversations lacked it."""

    metric: str
    unavailable: int


@dataclass(frozen=True, slots=True)
class SeparationReport:
    """Every compared metric (largest absolute effect first) and the ones skipped."""

    converted: int
    not_converted: int
    unlabelled: int
    confidence: float
    resamples: int
    metrics: tuple[MetricSeparation, ...]
    skipped: tuple[SkippedMetric, ...]


@dataclass(frozen=True, slots=True)
class ConversationMetrics:
    """One conversation's outcome and metric values (``None`` = unavailable)."""

    conversation_id: str
    converted: bool
    values: tuple[tuple[str, float | None], ...]


def cliffs_delta(higher: Sequence[float], lower: Sequence[float]) -> float:
    """P(x > y) - P(x < y) over all pairs of ``x`` in ``higher`` and ``y`` in ``lower``."""
    x = np.asarray(higher, dtype=np.float64)
    y = np.sort(np.asarray(lower, dtype=np.float64))
    if x.size == 0 or y.size == 0:
        raise UsageError("Cliff's delta needs at least one value in each group")
    return _delta_sorted(x, y)


def _delta_sorted(x: np.ndarray, sorted_y: np.ndarray) -> float:
    below = np.searchsorted(sorted_y, x, side="left").sum()
    above = (sorted_y.size - np.searchsorted(sorted_y, x, side="right")).sum()
    return float(below - above) / (x.size * sorted_y.size)


def metric_separation(
    metric: str,
    converted: Sequence[float | None],
    not_converted: Sequence[float | None],
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> MetricSeparation | SkippedMetric:
    """Compare one metric's values in the two groups; ``None`` values are left out and counted.

    The confidence interval resamples each group with replacement ``resamples`` times
    (seeded, so a report is reproducible). ``p_holm`` equals ``p_value`` here;
    :func:`separate` adjusts it over all metrics.
    """
    if resamples < 1 or not 0.0 < confidence < 1.0:
        raise UsageError(
            f"resamples must be >= 1 and confidence in (0, 1), got {resamples} and {confidence}"
        )
    x = np.asarray([v for v in converted if v is not None], dtype=np.float64)
    y = np.asarray([v for v in not_converted if v is not None], dtype=np.float64)
    unavailable = len(converted) - x.size + len(not_converted) - y.size
    if x.size < MIN_GROUP or y.size < MIN_GROUP:
        return SkippedMetric(metric=metric, unavailable=unavailable)
    delta = _delta_sorted(x, np.sort(y))
    rng = np.random.default_rng(seed)
    boots = np.empty(resamples, dtype=np.float64)
    for i in range(resamples):
        bx = x[rng.integers(0, x.size, x.size)]
        by = np.sort(y[rng.integers(0, y.size, y.size)])
        boots[i] = _delta_sorted(bx, by)
    tail = (1.0 - confidence) / 2 * 100
    low, high = np.percentile(boots, [tail, 100 - tail])
    p_value = _mann_whitney(x, y)
    return MetricSeparation(
        metric=metric,
        n_converted=int(x.size),
        n_not_converted=int(y.size),
        unavailable=unavailable,
        median_converted=float(np.median(x)),
        median_not_converted=float(np.median(y)),
        cliffs_delta=delta,
        ci_low=float(low),
        ci_high=float(high),
        p_value=p_value,
        p_holm=p_value,
    )


def _mann_whitney(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sided Mann-Whitney p; all values tied (no ordering at all) is p = 1."""
    if np.unique(np.concatenate([x, y])).size == 1:
        return 1.0
    return float(mannwhitneyu(x, y, alternative="two-sided").pvalue)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment, in the input order (controls the family-wise error)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def conversation_metrics(conversation: Conversation, model: SentimentModel) -> ConversationMetrics:
    """The dynamics and per-speaker sentiment metrics of one conversation with an outcome."""
    outcome = conversation.outcome
    if outcome is None or outcome.converted is None:
        raise UsageError(f"conversation {conversation.id!r} has no converted/not outcome")
    values = _dynamics_values(talk_dynamics(conversation))
    values.extend(_sentiment_values(conversation, model))
    return ConversationMetrics(
        conversation_id=conversation.id, converted=outcome.converted, values=tuple(values)
    )


def _dynamics_values(d: TalkDynamics) -> list[tuple[str, float | None]]:
    responses = d.response_seconds
    values: list[tuple[str, float | None]] = [
        ("turns", float(d.turns)),
        ("speaker_switches", float(d.speaker_switches)),
        ("longest_monologue_words", float(d.longest_monologue_words)),
        ("longest_monologue_seconds", d.longest_monologue_seconds),
        ("interactivity_per_minute", d.interactivity_per_minute),
        ("first_response_seconds", d.first_response_seconds),
        ("median_response_seconds", median(responses) if responses else None),
        ("patience_seconds", d.patience_seconds),
        ("handle_seconds", d.handle_seconds),
    ]
    for name, speaker in ROLES:
        talk = d.speaker(speaker)
        values += [
            (f"{name}_words", float(talk.words) if talk else 0.0),
            (f"{name}_word_share", talk.word_share if talk else None),
            (f"{name}_time_share", talk.time_share if talk else None),
            (f"{name}_question_rate", talk.question_rate if talk else None),
        ]
    return values


def _sentiment_values(
    conversation: Conversation, model: SentimentModel
) -> list[tuple[str, float | None]]:
    spoken = [t for t in conversation.turns if is_spoken(t)]
    scores = model.predict([t.text for t in spoken]) if spoken else []
    values: list[tuple[str, float | None]] = []
    for name, speaker in ROLES:
        compound = [s.compound for t, s in zip(spoken, scores, strict=True) if t.speaker is speaker]
        values += [
            (f"{name}_sentiment_mean", _mean(compound)),
            (f"{name}_sentiment_change", compound[-1] - compound[0] if len(compound) > 1 else None),
        ]
    return values


def _mean(values: Sequence[float]) -> float | None:
    """The mean rounded to 12 decimals, so equal turns give equal means whatever their count
    (float summation noise would otherwise break ties in the rank statistics)."""
    return round(sum(values) / len(values), 12) if values else None


def separate(
    conversations: Iterable[Conversation],
    model: SentimentModel | None = None,
    *,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> SeparationReport:
    """Compare every metric between converted and not-converted ``conversations``.

    Conversations without a converted/not outcome are counted as ``unlabelled`` and left
    out. ``model`` scores sentiment (VADER by default).
    """
    scorer = model if model is not None else VaderSentiment()
    rows: list[ConversationMetrics] = []
    unlabelled = 0
    for conversation in conversations:
        if conversation.outcome is None or conversation.outcome.converted is None:
            unlabelled += 1
            continue
        rows.append(conversation_metrics(conversation, scorer))
    converted = sum(r.converted for r in rows)
    if converted == 0 or converted == len(rows):
        raise UsageError(
            f"separation needs converted and not-converted conversations; got {converted} "
            f"converted of {len(rows)} labelled ({unlabelled} unlabelled)"
        )
    return _report(rows, unlabelled, resamples=resamples, confidence=confidence, seed=seed)


def _report(
    rows: Sequence[ConversationMetrics],
    unlabelled: int,
    *,
    resamples: int,
    confidence: float,
    seed: int,
) -> SeparationReport:
    names = [name for name, _ in rows[0].values]
    compared: list[MetricSeparation] = []
    skipped: list[SkippedMetric] = []
    for column, name in enumerate(names):
        yes = [r.values[column][1] for r in rows if r.converted]
        no = [r.values[column][1] for r in rows if not r.converted]
        result = metric_separation(
            name, yes, no, resamples=resamples, confidence=confidence, seed=seed
        )
        if isinstance(result, MetricSeparation):
            compared.append(result)
        else:
            skipped.append(result)
    adjusted = holm([m.p_value for m in compared])
    final = [replace(m, p_holm=p) for m, p in zip(compared, adjusted, strict=True)]
    final.sort(key=lambda m: (-abs(m.cliffs_delta), m.metric))
    converted = sum(r.converted for r in rows)
    return SeparationReport(
        converted=converted,
        not_converted=len(rows) - converted,
        unlabelled=unlabelled,
        confidence=confidence,
        resamples=resamples,
        metrics=tuple(final),
        skipped=tuple(skipped),
    )
