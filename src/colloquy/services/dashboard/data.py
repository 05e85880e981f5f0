"""What the dashboard reads: stored analyses, filtered and aggregated without any model.

``colloquy analyze DATASET`` stores one analysis per conversation and the dataset
aggregate. A dashboard filter is any combination of criteria, so the pages re-aggregate
the stored per-conversation records in memory (:func:`aggregate_view`) — the engine's own
aggregator over decoded records, no turn read and no model loaded — and the Streamlit
layer caches both the decoded records and each filtered aggregate.

The views here exist only for the dashboard (what the choice boxes offer, which step of the
flow a failing turn was in, per-group sentiment means); the metrics themselves come from
the analytics records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from statistics import fmean
from typing import TYPE_CHECKING

from colloquy.analytics.analysis.aggregate import aggregate
from colloquy.analytics.analysis.filtering import matches_analysis
from colloquy.analytics.analysis.options import AnalysisOptions
from colloquy.analytics.analysis.records import ConversationAnalysis, DatasetAnalysis
from colloquy.analytics.flow import DialogueTrace, FlowLevel
from colloquy.analytics.outcomes import ConversationFilter
from colloquy.analytics.persistence import PayloadError, decode_conversation, decode_dataset
from colloquy.logging import get_logger
from colloquy.schema import Speaker

if TYPE_CHECKING:
    from colloquy.storage import Store


@dataclass(frozen=True, slots=True)
class StoredDataset:
    """A dataset in the store and when it was last analysed (``None``: never)."""

    name: str
    source: str
    conversations: int
    analysed_at: datetime | None


@dataclass(frozen=True, slots=True)
class LoadedAnalyses:
    """A dataset's current stored analyses, decoded, under the options they were made with."""

    dataset: str
    options: AnalysisOptions
    fingerprint: str
    analysed_at: datetime
    records: tuple[ConversationAnalysis, ...]
    unreadable: int


@dataclass(frozen=True, slots=True)
class FilterChoices:
    """The values the filter boxes offer: what the dataset's analyses actually hold."""

    first_day: date | None
    last_day: date | None
    channels: tuple[str, ...]
    sources: tuple[str, ...]
    brands: tuple[str, ...]
    intents: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FailureRow:
    """One failure point of one conversation, with the flow step it happened in."""

    conversation_id: str
    type: str
    turn_index: int
    confidence: float
    step: str | None
    example: str


@dataclass(frozen=True, slots=True)
class GroupSentiment:
    """Mean customer sentiment of the conversations of one channel or brand."""

    group: str
    conversations: int
    customer_mean: float | None


@dataclass(frozen=True, slots=True)
class SpeakerPoint:
    """One speaker's mean turn polarity over the conversations of one day."""

    day: date
    speaker: str
    mean: float
    conversations: int


@dataclass(frozen=True, slots=True)
class IntentCount:
    """Conversations with one intent in one trend bucket."""

    intent: str
    day: date
    conversations: int


@dataclass(frozen=True, slots=True)
class RisingIntent:
    """An intent's share in the later half of the period against the earlier half."""

    intent: str
    earlier_share: float
    later_share: float
    change: float


def stored_datasets(store: Store) -> tuple[StoredDataset, ...]:
    """Every dataset, newest analysis first, then never-analysed ones by name."""
    repo = store.analyses
    found: list[StoredDataset] = []
    for info in store.datasets():
        times = [item.computed_at for item in repo.aggregates(info.name)]
        found.append(
            StoredDataset(
                name=info.name,
                source=info.source,
                conversations=info.conversations,
                analysed_at=max(times) if times else None,
            )
        )
    analysed = sorted(
        (d for d in found if d.analysed_at is not None),
        key=lambda d: d.analysed_at or datetime.min,
        reverse=True,
    )
    never = sorted((d for d in found if d.analysed_at is None), key=lambda d: d.name)
    return (*analysed, *never)


def load_analyses(store: Store, dataset: str) -> LoadedAnalyses | None:
    """The stored analyses of the newest analysis run of ``dataset``; ``None`` if never run.

    A payload that no longer decodes (written by another version) is counted in
    ``unreadable`` and left out; ``colloquy analyze`` rewrites it.
    """
    repo = store.analyses
    latest = max(repo.aggregates(dataset), key=lambda item: item.computed_at, default=None)
    if latest is None:
        return None
    options = decode_dataset(latest.payload).options
    records: list[ConversationAnalysis] = []
    unreadable = 0
    for item in repo.current_analyses(dataset, latest.options_fingerprint):
        try:
            records.append(decode_conversation(item.payload))
        except PayloadError as exc:
            unreadable += 1
            get_logger(__name__).warning("dashboard.unreadable_analysis", error=str(exc))
    return LoadedAnalyses(
        dataset=dataset,
        options=options,
        fingerprint=latest.options_fingerprint,
        analysed_at=latest.computed_at,
        records=tuple(records),
        unreadable=unreadable,
    )


def aggregate_view(loaded: LoadedAnalyses, where: ConversationFilter) -> DatasetAnalysis:
    """The dataset aggregate of the stored records ``where`` keeps."""
    return aggregate(
        loaded.records,
        loaded.options,
        dataset=loaded.dataset,
        where=where,
        fingerprint=loaded.fingerprint,
    )


def kept(
    records: Iterable[ConversationAnalysis], where: ConversationFilter
) -> list[ConversationAnalysis]:
    """The records ``where`` keeps, in stored order."""
    return [record for record in records if matches_analysis(where, record)]


def filter_choices(records: Sequence[ConversationAnalysis]) -> FilterChoices:
    days = [r.day for r in records if r.day is not None]
    return FilterChoices(
        first_day=min(days, default=None),
        last_day=max(days, default=None),
        channels=tuple(sorted({r.channel for r in records})),
        sources=tuple(sorted({r.source for r in records})),
        brands=tuple(sorted({r.brand for r in records if r.brand})),
        intents=tuple(sorted({r.intent for r in records if r.intent})),
    )


def step_at(trace: DialogueTrace | None, turn_index: int, level: FlowLevel) -> str | None:
    """The flow node a conversation was at when ``turn_index`` was said.

    At the intent level that is the latest customer intent at or before the turn; at the
    turn level, the state of that turn or the one just before it.
    """
    if trace is None:
        return None
    current: str | None = None
    for state in trace.states:
        if state.turn_index > turn_index:
            break
        if level is FlowLevel.TURN:
            current = state.label
        elif state.is_customer and state.intent:
            current = state.intent
    return current


def failure_rows(records: Iterable[ConversationAnalysis], level: FlowLevel) -> list[FailureRow]:
    """Every failure point of the records, highest confidence first."""
    rows = [
        FailureRow(
            conversation_id=record.conversation_id,
            type=point.type.value,
            turn_index=point.turn_index,
            confidence=point.confidence,
            step=step_at(record.trace, point.turn_index, level),
            example=point.example,
        )
        for record in records
        for point in record.failures.points
    ]
    rows.sort(key=lambda row: (-row.confidence, row.conversation_id, row.turn_index))
    return rows


def _customer_mean(record: ConversationAnalysis) -> float | None:
    if record.sentiment is None:
        return None
    for speaker in record.sentiment.speakers:
        if speaker.speaker is Speaker.CUSTOMER:
            return speaker.mean
    return None


def sentiment_by(records: Iterable[ConversationAnalysis], key: str) -> list[GroupSentiment]:
    """Mean customer sentiment per ``channel`` or ``brand`` (records without one left out)."""
    groups: defaultdict[str, list[float | None]] = defaultdict(list)
    for record in records:
        group = record.channel if key == "channel" else record.brand
        if group:
            groups[group].append(_customer_mean(record))
    result = []
    for group, values in groups.items():
        scored = [v for v in values if v is not None]
        result.append(GroupSentiment(group, len(values), fmean(scored) if scored else None))
    return sorted(result, key=lambda g: (-g.conversations, g.group))


def speaker_trend(records: Iterable[ConversationAnalysis]) -> list[SpeakerPoint]:
    """Per day and speaker, the mean of the conversations' mean polarity (dated ones only)."""
    groups: defaultdict[tuple[date, str], list[float]] = defaultdict(list)
    for record in records:
        if record.day is None or record.sentiment is None:
            continue
        for speaker in record.sentiment.speakers:
            groups[(record.day, speaker.speaker.value)].append(speaker.mean)
    return [
        SpeakerPoint(day, speaker, fmean(values), len(values))
        for (day, speaker), values in sorted(groups.items())
    ]


def worst_conversations(
    records: Iterable[ConversationAnalysis], limit: int = 20
) -> list[tuple[ConversationAnalysis, float]]:
    """Conversations with the lowest mean customer sentiment."""
    scored = [(r, m) for r in records if (m := _customer_mean(r)) is not None]
    scored.sort(key=lambda item: (item[1], item[0].conversation_id))
    return scored[:limit]


def intent_counts(records: Iterable[ConversationAnalysis]) -> list[IntentCount]:
    """Conversations per (intent, day), for the intent trend chart."""
    counts: defaultdict[tuple[str, date], int] = defaultdict(int)
    for record in records:
        if record.intent and record.day is not None:
            counts[(record.intent, record.day)] += 1
    return [
        IntentCount(i, d, n)
        for (i, d), n in sorted(counts.items(), key=lambda x: (x[0][1], x[0][0]))
    ]


def rising_intents(records: Sequence[ConversationAnalysis], limit: int = 10) -> list[RisingIntent]:
    """Intents whose share grew most from the earlier to the later half of the dated period."""
    dated = sorted(
        (r for r in records if r.day is not None and r.intent), key=lambda r: r.day or date.min
    )
    if len(dated) < 2:
        return []
    middle = len(dated) // 2
    halves = (dated[:middle], dated[middle:])
    shares: list[dict[str, float]] = []
    for half in halves:
        counts: defaultdict[str, int] = defaultdict(int)
        for record in half:
            counts[record.intent or ""] += 1
        shares.append({intent: n / len(half) for intent, n in counts.items()})
    names = set(shares[0]) | set(shares[1])
    rows = [
        RisingIntent(
            intent=name,
            earlier_share=shares[0].get(name, 0.0),
            later_share=shares[1].get(name, 0.0),
            change=shares[1].get(name, 0.0) - shares[0].get(name, 0.0),
        )
        for name in names
    ]
    rows.sort(key=lambda row: (-row.change, row.intent))
    return [row for row in rows if row.change > 0][:limit]


OUT_OF_SCOPE = ("oos", "out_of_scope", "out-of-scope", "other", "unknown")
"""Intent names that mean "none of the known intents" in the datasets at hand."""


def out_of_scope_share(records: Sequence[ConversationAnalysis]) -> float | None:
    """Share of conversations with no intent or an out-of-scope one."""
    if not records:
        return None
    outside = sum(1 for r in records if not r.intent or r.intent.lower() in OUT_OF_SCOPE)
    return outside / len(records)
