"""Dataset sentiment from per-conversation trajectories, accumulated one at a time.

Per-turn compounds are kept as 8-byte doubles (``array('d')``), not Python objects, so the
exact percentiles of :func:`~colloquy.analytics.dynamics.distribution` cost 8 bytes a
turn; label counts, CSAT bins and trend buckets are counters of bounded size.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from colloquy.analytics.analysis.records import (
    CsatBin,
    LabelShare,
    SentimentPoint,
    SentimentSummary,
    SentimentTrend,
    SpeakerSentiment,
)
from colloquy.analytics.dynamics import Distribution, distribution
from colloquy.analytics.outcomes.trends import Bucket
from colloquy.analytics.sentiment import LABELS, SentimentLabel
from colloquy.analytics.sentiment.trajectory import SentimentTrajectory
from colloquy.schema import Speaker


@dataclass(slots=True)
class _Bucket:
    conversations: int = 0
    customer_sum: float = 0.0
    customer_n: int = 0
    csat_sum: float = 0.0
    csat_n: int = 0


@dataclass(slots=True)
class _Speaker:
    compounds: array[float] = field(default_factory=lambda: array("d"))
    labels: Counter[SentimentLabel] = field(default_factory=Counter)


class SentimentAccumulator:
    """Adds trajectories (or a skip) and answers a :class:`SentimentSummary`."""

    def __init__(self, model: str, bucket: Bucket) -> None:
        self.model = model
        self.bucket = bucket
        self.scored = 0
        self.skipped = 0
        self.undated = 0
        self._speakers: dict[Speaker, _Speaker] = {}
        self._change = array("d")
        self._csat = array("d")
        self._buckets: dict[date, _Bucket] = {}

    def add(self, trajectory: SentimentTrajectory | None, day: date | None) -> None:
        """Count one conversation; ``None`` means its sentiment was skipped."""
        if trajectory is None:
            self.skipped += 1
            return
        self.scored += 1
        for turn in trajectory.turns:
            slot = self._speakers.setdefault(turn.speaker, _Speaker())
            slot.compounds.append(turn.score.compound)
            slot.labels[turn.score.label] += 1
        if trajectory.customer_change is not None:
            self._change.append(trajectory.customer_change)
        if trajectory.csat_estimate is not None:
            self._csat.append(trajectory.csat_estimate)
        if day is None:
            self.undated += 1
            return
        point = self._buckets.setdefault(self.bucket.start_of(day), _Bucket())
        point.conversations += 1
        customer = trajectory.speaker(Speaker.CUSTOMER)
        if customer is not None:
            point.customer_sum += customer.mean
            point.customer_n += 1
        if trajectory.csat_estimate is not None:
            point.csat_sum += trajectory.csat_estimate
            point.csat_n += 1

    def result(self) -> SentimentSummary:
        speakers = tuple(
            _speaker_summary(who, self._speakers[who]) for who in Speaker if who in self._speakers
        )
        bins = Counter(round(value) for value in self._csat)
        return SentimentSummary(
            model=self.model,
            scored=self.scored,
            skipped=self.skipped,
            speakers=speakers,
            customer_change=_distribution(self._change),
            csat=_distribution(self._csat),
            csat_bins=tuple(CsatBin(score=s, count=bins.get(s, 0)) for s in range(1, 6)),
            trend=SentimentTrend(
                bucket=self.bucket, points=self._trend_points(), undated=self.undated
            ),
        )

    def _trend_points(self) -> tuple[SentimentPoint, ...]:
        if not self._buckets:
            return ()
        points: list[SentimentPoint] = []
        start, last = min(self._buckets), max(self._buckets)
        while start <= last:
            b = self._buckets.get(start, _Bucket())
            points.append(
                SentimentPoint(
                    start=start,
                    conversations=b.conversations,
                    customer_mean=b.customer_sum / b.customer_n if b.customer_n else None,
                    csat_mean=b.csat_sum / b.csat_n if b.csat_n else None,
                )
            )
            start += self.bucket.width
        return tuple(points)


def _distribution(values: array[float]) -> Distribution | None:
    return distribution(values) if len(values) else None


def _speaker_summary(who: Speaker, slot: _Speaker) -> SpeakerSentiment:
    total = sum(slot.labels.values())
    return SpeakerSentiment(
        speaker=who,
        turns=len(slot.compounds),
        compound=_distribution(slot.compounds),
        labels=tuple(
            LabelShare(
                label=label,
                count=slot.labels.get(label, 0),
                share=slot.labels.get(label, 0) / total if total else 0.0,
            )
            for label in LABELS
        ),
    )
