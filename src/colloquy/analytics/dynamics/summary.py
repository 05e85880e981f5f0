"""Dataset views of talk dynamics: distributions, a response-time histogram, per-group rows.

A support lead asks "how fast do we answer, typically and at worst?", so each metric is
summarised by its median and percentiles rather than a mean that one forgotten thread
drags to days. Response times are pooled over every agent reply and binned on a fixed,
human scale (seconds to days) so that two datasets' histograms compare bin for bin.
Per-group summaries answer the same per brand (Twitter) or any other key.

Untimed conversations count in :attr:`DynamicsSummary.conversations` but add nothing to a
time metric; a metric with no value at all is ``None`` (unavailable), never 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from colloquy.analytics.dynamics.conversation import AGENTS, TalkDynamics, talk_dynamics
from colloquy.schema import Conversation, Speaker

RESPONSE_BIN_EDGES: tuple[float, ...] = (
    0.0,
    60.0,
    5 * 60.0,
    15 * 60.0,
    60 * 60.0,
    4 * 3600.0,
    24 * 3600.0,
)
"""Lower edges of the response-time bins, in seconds (the last bin is open-ended)."""


@dataclass(frozen=True, slots=True)
class Distribution:
    """Count, mean and percentiles of one metric over the values that exist."""

    count: int
    mean: float
    minimum: float
    p25: float
    median: float
    p75: float
    p90: float
    maximum: float


@dataclass(frozen=True, slots=True)
class HistogramBin:
    """Values ``lower <= v < upper``; ``upper`` is ``None`` for the open last bin."""

    lower: float
    upper: float | None
    count: int


@dataclass(frozen=True, slots=True)
class DynamicsSummary:
    """Talk dynamics over many conversations; a metric nobody has is ``None``."""

    conversations: int
    timed_conversations: int
    replies: int
    customer_word_share: Distribution | None
    customer_time_share: Distribution | None
    customer_question_rate: Distribution | None
    agent_question_rate: Distribution | None
    longest_monologue_words: Distribution | None
    longest_monologue_seconds: Distribution | None
    interactivity_per_minute: Distribution | None
    first_response_seconds: Distribution | None
    response_seconds: Distribution | None
    patience_seconds: Distribution | None
    handle_seconds: Distribution | None
    response_histogram: tuple[HistogramBin, ...]


@dataclass(frozen=True, slots=True)
class GroupDynamics:
    """The summary of the conversations sharing one group key (e.g. one brand)."""

    group: str
    summary: DynamicsSummary


def distribution(values: Sequence[float]) -> Distribution | None:
    """The :class:`Distribution` of ``values``, or ``None`` when there are none."""
    if not values:
        return None
    array = np.asarray(values, dtype=float)
    p25, median, p75, p90 = np.percentile(array, [25, 50, 75, 90])
    return Distribution(
        count=len(array),
        mean=float(array.mean()),
        minimum=float(array.min()),
        p25=float(p25),
        median=float(median),
        p75=float(p75),
        p90=float(p90),
        maximum=float(array.max()),
    )


def response_histogram(values: Sequence[float]) -> tuple[HistogramBin, ...]:
    """Counts of ``values`` in the :data:`RESPONSE_BIN_EDGES` bins (every bin, even empty)."""
    edges = np.asarray(RESPONSE_BIN_EDGES)
    positions = np.searchsorted(edges, np.asarray(values, dtype=float), side="right") - 1
    counts = np.bincount(positions[positions >= 0], minlength=len(edges))
    uppers: list[float | None] = [*RESPONSE_BIN_EDGES[1:], None]
    return tuple(
        HistogramBin(lower=lower, upper=upper, count=int(count))
        for lower, upper, count in zip(RESPONSE_BIN_EDGES, uppers, counts, strict=True)
    )


def summarize_dynamics(dynamics: Iterable[TalkDynamics]) -> DynamicsSummary:
    """Aggregate per-conversation dynamics into one :class:`DynamicsSummary`."""
    columns: dict[str, list[float]] = defaultdict(list)
    conversations = timed = 0
    for item in dynamics:
        conversations += 1
        timed += item.timed
        collect_columns(columns, item)
    return DynamicsSummary(
        conversations=conversations,
        timed_conversations=timed,
        replies=len(columns["response_seconds"]),
        customer_word_share=distribution(columns["customer_word_share"]),
        customer_time_share=distribution(columns["customer_time_share"]),
        customer_question_rate=distribution(columns["customer_question_rate"]),
        agent_question_rate=distribution(columns["agent_question_rate"]),
        longest_monologue_words=distribution(columns["longest_monologue_words"]),
        longest_monologue_seconds=distribution(columns["longest_monologue_seconds"]),
        interactivity_per_minute=distribution(columns["interactivity_per_minute"]),
        first_response_seconds=distribution(columns["first_response_seconds"]),
        response_seconds=distribution(columns["response_seconds"]),
        patience_seconds=distribution(columns["patience_seconds"]),
        handle_seconds=distribution(columns["handle_seconds"]),
        response_histogram=response_histogram(columns["response_seconds"]),
    )


def summarize_conversations(conversations: Iterable[Conversation]) -> DynamicsSummary:
    """:func:`summarize_dynamics` over :func:`talk_dynamics` of each conversation."""
    return summarize_dynamics(talk_dynamics(c) for c in conversations)


def brand_of(conversation: Conversation) -> str | None:
    """The brand a support thread is with: ``metadata["brand"]`` (the Twitter loader sets it
    to the answering account), else the first agent turn's ``speaker_id``."""
    brand = conversation.metadata.get("brand")
    if isinstance(brand, str) and brand:
        return brand
    return next(
        (t.speaker_id for t in conversation.turns if t.speaker in AGENTS and t.speaker_id),
        None,
    )


def summarize_by_group(
    conversations: Iterable[Conversation],
    group: Callable[[Conversation], str | None] = brand_of,
) -> tuple[GroupDynamics, ...]:
    """One :class:`GroupDynamics` per key of ``group``, largest group first (then by name).

    Conversations whose key is ``None`` (a thread no brand answered) belong to no group.
    """
    members: dict[str, list[TalkDynamics]] = defaultdict(list)
    for conversation in conversations:
        key = group(conversation)
        if key is not None:
            members[key].append(talk_dynamics(conversation))
    ordered = sorted(members.items(), key=lambda item: (-len(item[1]), item[0]))
    return tuple(
        GroupDynamics(group=key, summary=summarize_dynamics(items)) for key, items in ordered
    )


def collect_columns(columns: dict[str, list[float]], item: TalkDynamics) -> None:
    """Append ``item``'s existing values to the per-metric columns (the one definition of
    which value feeds which dynamics column, shared with the streaming aggregation)."""
    customer = item.speaker(Speaker.CUSTOMER)
    scalars: dict[str, float | None] = {
        "customer_word_share": customer.word_share if customer else None,
        "customer_time_share": customer.time_share if customer else None,
        "customer_question_rate": customer.question_rate if customer else None,
        "agent_question_rate": _agent_rate(item),
        "longest_monologue_words": float(item.longest_monologue_words) if item.turns else None,
        "longest_monologue_seconds": item.longest_monologue_seconds,
        "interactivity_per_minute": item.interactivity_per_minute,
        "first_response_seconds": item.first_response_seconds,
        "patience_seconds": item.patience_seconds,
        "handle_seconds": item.handle_seconds,
    }
    for name, value in scalars.items():
        if value is not None:
            columns[name].append(value)
    columns["response_seconds"].extend(item.response_seconds or ())


def _agent_rate(item: TalkDynamics) -> float | None:
    """Share of the agent side's (agent and bot) turns that ask something."""
    agents = [s for s in item.speakers if s.speaker in AGENTS]
    turns = sum(s.turns for s in agents)
    return sum(s.questions for s in agents) / turns if turns else None
