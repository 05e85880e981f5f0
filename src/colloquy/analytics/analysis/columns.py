"""Compact, streaming inputs for the dataset summaries that need every value.

Exact medians and percentiles need every value, but not every record: holding each
conversation's :class:`~colloquy.analytics.dynamics.TalkDynamics` costs about a kilobyte,
its numbers as doubles about a hundred bytes. :class:`DynamicsColumns` keeps the columns
that :func:`~colloquy.analytics.dynamics.summarize_dynamics` builds (filled by the same
collector, so the metric definitions stay in one place) in ``array('d')``, and
:class:`OutcomeList` keeps outcome facts as references to one shared record per distinct
combination (the rates and trends never read the conversation id), so a dataset ten times
larger costs a few more megabytes, not tens.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import overload

from colloquy.analytics.dynamics import (
    DynamicsSummary,
    TalkDynamics,
    distribution,
    response_histogram,
)
from colloquy.analytics.dynamics.summary import collect_columns
from colloquy.analytics.outcomes import ConversationOutcome


def collect(item: TalkDynamics) -> dict[str, list[float]]:
    """The values ``item`` adds to each dynamics column (the dynamics module's collector)."""
    values: dict[str, list[float]] = defaultdict(list)
    collect_columns(values, item)
    return values


class DynamicsColumns:
    """Talk dynamics added one conversation at a time; :meth:`summary` equals
    :func:`~colloquy.analytics.dynamics.summarize_dynamics` over the same conversations."""

    def __init__(self) -> None:
        self.conversations = 0
        self.timed = 0
        self._columns: defaultdict[str, array[float]] = defaultdict(lambda: array("d"))

    def add(self, item: TalkDynamics, values: Mapping[str, list[float]] | None = None) -> None:
        """Add one conversation; ``values`` is :func:`collect` of it when already made."""
        self.conversations += 1
        self.timed += item.timed
        for name, column in (values if values is not None else collect(item)).items():
            self._columns[name].extend(column)

    def summary(self) -> DynamicsSummary:
        c = self._columns
        return DynamicsSummary(
            conversations=self.conversations,
            timed_conversations=self.timed,
            replies=len(c["response_seconds"]),
            customer_word_share=distribution(c["customer_word_share"]),
            customer_time_share=distribution(c["customer_time_share"]),
            customer_question_rate=distribution(c["customer_question_rate"]),
            agent_question_rate=distribution(c["agent_question_rate"]),
            longest_monologue_words=distribution(c["longest_monologue_words"]),
            longest_monologue_seconds=distribution(c["longest_monologue_seconds"]),
            interactivity_per_minute=distribution(c["interactivity_per_minute"]),
            first_response_seconds=distribution(c["first_response_seconds"]),
            response_seconds=distribution(c["response_seconds"]),
            patience_seconds=distribution(c["patience_seconds"]),
            handle_seconds=distribution(c["handle_seconds"]),
            response_histogram=response_histogram(c["response_seconds"]),
        )


class OutcomeList(Sequence[ConversationOutcome]):
    """Outcomes in arrival order, each stored as a shared record without its id.

    Rates and trends (:func:`~colloquy.analytics.outcomes.outcome_rate`,
    :func:`~colloquy.analytics.outcomes.outcome_trends`) read the day, intent and verdicts
    only; conversations that agree on all of them share one record.
    """

    def __init__(self) -> None:
        self._shared: dict[tuple[object, ...], ConversationOutcome] = {}
        self._items: list[ConversationOutcome] = []

    def append(self, outcome: ConversationOutcome) -> None:
        o = outcome
        key = (
            o.day,
            o.intent,
            o.resolved,
            o.resolved_from,
            o.escalated,
            o.escalated_from,
            o.converted,
        )
        shared = self._shared.get(key)
        if shared is None:
            shared = self._shared[key] = replace(outcome, conversation_id="")
        self._items.append(shared)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[ConversationOutcome]:
        return iter(self._items)

    @overload
    def __getitem__(self, index: int) -> ConversationOutcome: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[ConversationOutcome]: ...
    def __getitem__(
        self, index: int | slice
    ) -> ConversationOutcome | Sequence[ConversationOutcome]:
        return self._items[index]
