"""The dashboard's shared filters and their URL form.

Filters live in the page URL's query parameters so a link reproduces the view someone
saw: ``?dataset=twitter&from=2017-10-01&to=2017-10-31&brand=AppleSupport``. Repeated
values of one key are alternatives, like the CLI's ``--filter``; a value that does not
parse is dropped with a note rather than failing the page, because a hand-edited link
is user input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from colloquy.analytics.outcomes import ConversationFilter

DATASET = "dataset"
START = "from"
END = "to"
CHANNEL = "channel"
SOURCE = "source"
BRAND = "brand"
INTENT = "intent"
MULTI_KEYS = (CHANNEL, SOURCE, BRAND, INTENT)
"""Query keys that may repeat."""
KEYS = (DATASET, START, END, *MULTI_KEYS)


@dataclass(frozen=True, slots=True)
class Filters:
    """What every page shows: one dataset and the conversations the criteria keep."""

    dataset: str | None = None
    start: date | None = None
    end: date | None = None
    channels: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=(), compare=False)

    def where(self) -> ConversationFilter:
        """The analytics filter these criteria mean (the dataset is chosen separately)."""
        return ConversationFilter(
            start=self.start,
            end=self.end,
            channels=frozenset(self.channels),
            sources=frozenset(self.sources),
            brands=frozenset(self.brands),
            intents=frozenset(self.intents),
        )

    def previous_period(self) -> Filters | None:
        """The same criteria over the equally long period just before, when dates are set."""
        if self.start is None or self.end is None:
            return None
        length = (self.end - self.start).days + 1
        return replace(
            self,
            start=self.start - timedelta(days=length),
            end=self.start - timedelta(days=1),
        )

    def to_query(self) -> dict[str, str | list[str]]:
        """The query parameters that reproduce these filters (empty ones left out)."""
        query: dict[str, str | list[str]] = {}
        if self.dataset:
            query[DATASET] = self.dataset
        if self.start is not None:
            query[START] = self.start.isoformat()
        if self.end is not None:
            query[END] = self.end.isoformat()
        for key, values in zip(
            MULTI_KEYS, (self.channels, self.sources, self.brands, self.intents), strict=True
        ):
            if values:
                query[key] = list(values)
        return query

    def describe(self) -> str:
        """One line for a report heading."""
        parts = [f"dataset {self.dataset}" if self.dataset else "no dataset"]
        if self.start is not None or self.end is not None:
            parts.append(f"{self.start or '…'} to {self.end or '…'}")
        for key, values in zip(
            MULTI_KEYS, (self.channels, self.sources, self.brands, self.intents), strict=True
        ):
            if values:
                parts.append(f"{key} {', '.join(values)}")
        return "; ".join(parts)


def _day(values: Sequence[str], key: str, problems: list[str]) -> date | None:
    if not values:
        return None
    try:
        return date.fromisoformat(values[-1])
    except ValueError:
        problems.append(f"{key}={values[-1]!r} is not a date (YYYY-MM-DD); ignored")
        return None


def _clean(values: Sequence[str]) -> tuple[str, ...]:
    seen = dict.fromkeys(v.strip() for v in values if v.strip())
    return tuple(seen)


def from_query(query: Mapping[str, Sequence[str]]) -> Filters:
    """Filters from query parameters (each key with all its values)."""
    problems: list[str] = []
    start = _day(query.get(START, ()), START, problems)
    end = _day(query.get(END, ()), END, problems)
    if start is not None and end is not None and start > end:
        problems.append(f"from {start} is after to {end}; the dates were swapped")
        start, end = end, start
    datasets = _clean(query.get(DATASET, ()))
    return Filters(
        dataset=datasets[-1] if datasets else None,
        start=start,
        end=end,
        channels=_clean(query.get(CHANNEL, ())),
        sources=_clean(query.get(SOURCE, ())),
        brands=_clean(query.get(BRAND, ())),
        intents=_clean(query.get(INTENT, ())),
        problems=tuple(problems),
    )
