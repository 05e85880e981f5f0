from __future__ import annotations

from datetime import date

from colloquy.services.dashboard.filters import Filters, from_query


def test_query_round_trip_keeps_every_filter() -> None:
    filters = Filters(
        dataset="twitter",
        start=date(2017, 10, 1),
        end=date(2017, 10, 31),
        channels=("twitter",),
        brands=("AppleSupport", "sprintcare"),
        intents=("refund",),
    )
    query = filters.to_query()
    assert query["brand"] == ["AppleSupport", "sprintcare"]
    parsed = from_query({k: v if isinstance(v, list) else [v] for k, v in query.items()})
    assert parsed == filters
    where = parsed.where()
    assert where.brands == frozenset({"AppleSupport", "sprintcare"})
    assert where.start == date(2017, 10, 1)


def test_bad_link_values_are_dropped_with_a_note() -> None:
    parsed = from_query({"from": ["yesterday"], "to": ["2017-10-02"], "brand": [" ", "x"]})
    assert parsed.start is None
    assert parsed.end == date(2017, 10, 2)
    assert parsed.brands == ("x",)
    assert "not a date" in parsed.problems[0]


def test_swapped_dates_are_put_in_order() -> None:
    parsed = from_query({"from": ["2017-10-09"], "to": ["2017-10-01"]})
    assert (parsed.start, parsed.end) == (date(2017, 10, 1), date(2017, 10, 9))
    assert parsed.problems


def test_previous_period_is_as_long_and_just_before() -> None:
    filters = Filters(start=date(2017, 10, 8), end=date(2017, 10, 14), brands=("b",))
    previous = filters.previous_period()
    assert previous is not None
    assert (previous.start, previous.end) == (date(2017, 10, 1), date(2017, 10, 7))
    assert previous.brands == ("b",)
    assert Filters().previous_period() is None
