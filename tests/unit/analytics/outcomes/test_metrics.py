from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from colloquy.analytics.failures import EscalationDetector, LoopDetector
from colloquy.analytics.outcomes import (
    ConversationFilter,
    IntentShare,
    MarkerSource,
    OutcomeJudge,
    OutcomeKind,
    assess_outcomes,
    outcome_metrics,
    resolve_intents,
)
from colloquy.errors import DataError, UsageError
from colloquy.schema import Conversation

Make = Callable[..., Conversation]

FAILED = "Sorry, I couldn't book that table."
BOOKED = "Your table is booked for 7 pm."
HUMAN = "Let me speak to a human please."


@pytest.fixture
def dataset(make: Make) -> list[Conversation]:
    return [
        make(
            "r1",
            ("customer", "Book a table for two."),
            ("agent", BOOKED),
            labels={"intent": "book"},
            converted=True,
        ),
        make(
            "r2",
            ("customer", HUMAN),
            ("agent", FAILED),
            intents={0: "complain"},
            converted=False,
        ),
        make(
            "r3",
            ("customer", "Book it."),
            ("agent", FAILED),
            ("customer", "Try 8 pm then."),
            ("agent", "Done."),
            acts={0: ["INFORM_INTENT"], 1: ["NOTIFY_FAILURE"], 3: ["NOTIFY_SUCCESS"]},
            labels={"intent": "book"},
        ),
        make(
            "r4",
            ("customer", "Move my appointment."),
            ("agent", BOOKED),
            acts={1: ["NOTIFY_FAILURE"]},
        ),
        make(
            "r5",
            ("customer", "Where is my parcel?"),
            ("agent", FAILED),
            labels={"resolved": True, "escalated": True},
        ),
    ]


def test_exact_rates_from_labels_acts_and_text(dataset: list[Conversation]) -> None:
    metrics = outcome_metrics(dataset)
    assert metrics.conversations == 5
    assert (metrics.resolution.successes, metrics.resolution.n) == (3, 5)
    assert metrics.resolution.value == pytest.approx(0.6)
    assert (metrics.escalation.successes, metrics.escalation.n) == (2, 5)
    assert (metrics.conversion.successes, metrics.conversion.n) == (1, 2)
    assert metrics.rate(OutcomeKind.CONVERSION) is metrics.conversion
    assert metrics.intents.conversations == 5
    assert metrics.intents.unknown == 2
    assert metrics.intents.shares == (
        IntentShare(intent="book", count=2, share=2 / 3),
        IntentShare(intent="complain", count=1, share=1 / 3),
    )


def test_each_verdict_says_where_it_came_from(dataset: list[Conversation]) -> None:
    outcomes = {o.conversation_id: o for o in assess_outcomes(dataset)}
    assert [(o.resolved, o.resolved_from) for o in outcomes.values()] == [
        (True, MarkerSource.TEXT),
        (False, MarkerSource.TEXT),
        (True, MarkerSource.ACTS),
        (False, MarkerSource.ACTS),
        (True, MarkerSource.LABEL),
    ]
    assert [(o.escalated, o.escalated_from) for o in outcomes.values()] == [
        (False, MarkerSource.TEXT),
        (True, MarkerSource.TEXT),
        (False, MarkerSource.TEXT),
        (False, MarkerSource.TEXT),
        (True, MarkerSource.LABEL),
    ]
    assert [o.converted for o in outcomes.values()] == [True, False, None, None, None]


def test_no_conversations_means_no_rate_not_zero(dataset: list[Conversation]) -> None:
    for metrics in (
        outcome_metrics([]),
        outcome_metrics(dataset, where=ConversationFilter(sources=frozenset({"absent"}))),
    ):
        assert metrics.conversations == 0
        for kind in OutcomeKind:
            assert metrics.rate(kind).n == 0
            assert metrics.rate(kind).value is None
        assert metrics.intents.shares == ()


def test_conversion_without_outcomes_is_none(make: Make) -> None:
    metrics = outcome_metrics([make("s", ("customer", "hi"), ("agent", BOOKED))])
    assert metrics.resolution.value == 1.0
    assert metrics.conversion.n == 0
    assert metrics.conversion.value is None


def test_intent_filter_uses_resolved_intents(dataset: list[Conversation]) -> None:
    metrics = outcome_metrics(dataset, where=ConversationFilter(intents=frozenset({"book"})))
    assert metrics.conversations == 2
    assert (metrics.resolution.successes, metrics.resolution.n) == (2, 2)


def test_predictor_labels_opening_customer_turns_in_one_call(
    dataset: list[Conversation], make: Make
) -> None:
    calls: list[list[str]] = []

    def predict(texts: Sequence[str]) -> list[str]:
        calls.append(list(texts))
        return ["human" if "human" in text else "other" for text in texts]

    silent = make("r6", ("agent", "Anyone there?"))
    metrics = outcome_metrics(
        [*dataset, silent],
        intent_predictor=predict,
        where=ConversationFilter(intents=frozenset({"human", "other"})),
    )
    assert len(calls) == 1
    assert calls[0][:2] == ["Book a table for two.", HUMAN]
    assert len(calls[0]) == 5
    assert metrics.conversations == 5
    assert [(s.intent, s.count) for s in metrics.intents.shares] == [("other", 4), ("human", 1)]
    assert resolve_intents([silent], predict) == (None,)


def test_predictor_of_the_wrong_length_is_a_usage_error(dataset: list[Conversation]) -> None:
    with pytest.raises(UsageError, match="returned 1 intents for 5 texts"):
        outcome_metrics(dataset, intent_predictor=lambda texts: ["x"])


def test_acts_without_a_task_leave_resolution_to_the_text(make: Make) -> None:
    haggle = make(
        "h",
        ("customer", "Would you take 50?"),
        ("agent", "Sorry, I can't go that low."),
        acts={0: ["OFFER"], 1: ["REJECT"]},
    )
    (outcome,) = assess_outcomes([haggle])
    assert (outcome.resolved, outcome.resolved_from) == (False, MarkerSource.TEXT)


def test_detectors_can_be_tuned_and_must_be_of_the_right_type(make: Make) -> None:
    manager = make("m", ("customer", "Is there a manager around?"))
    assert outcome_metrics([manager]).escalation.successes == 0
    lenient = EscalationDetector(threshold=0.5)
    assert outcome_metrics([manager], escalation=lenient).escalation.successes == 1
    with pytest.raises(UsageError, match="detector 'loop-text' finds loop; give one that finds"):
        OutcomeJudge(escalation=LoopDetector())


def test_non_boolean_marker_is_a_data_error(make: Make) -> None:
    bad = make("b", ("customer", "hi"), labels={"resolved": "yes"})
    with pytest.raises(DataError, match="conversation 'b': label 'resolved' is 'yes'; it must"):
        outcome_metrics([bad])
