"""The customer's stated decision: amounts named, everything offered, declined."""

from __future__ import annotations

import math

import numpy as np
import pytest

from colloquy.features.cue_rules import normalise, stated_amounts
from colloquy.features.decision import DECISION_FEATURES, decision_matrix
from colloquy.features.transcript import prefix
from colloquy.schema import Conversation, Speaker, Turn


def _conversation(
    *turns: tuple[str, str], extra: dict[int, dict[str, str]] | None = None
) -> Conversation:
    built = tuple(
        Turn(index=i, speaker=Speaker(s), text=t, extra=(extra or {}).get(i, {}))
        for i, (s, t) in enumerate(turns)
    )
    return Conversation(id="c-1", source="test", turns=built)


def _row(conversation: Conversation) -> dict[str, float]:
    matrix = decision_matrix([conversation])
    assert matrix.shape == (1, len(DECISION_FEATURES))
    return dict(zip(DECISION_FEATURES, matrix[0].tolist(), strict=True))


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("I will donate $1.", [1.0]),
        ("I'll give $0.50 and keep the rest", [0.5]),
        ("I will give 1$", [1.0]),
        ("I can give 50 cents, or 50c", [0.5, 0.5]),
        ("2 bucks it is", [2.0]),
        ("o.k. agreed 1800 dollares done", [1800.0]),
        ("I paid $1,200, not 1,500 dollars", [1200.0, 1500.0]),
        ("fifty cents is fine", [0.5]),
        ("Maybe twenty-five cents", [0.25]),
        ("seventy seven cents?", [0.77]),
        ("A dollar it is. Well, a couple of dollars.", [1.0, 2.0]),
        ("I can spare a dime, maybe a quarter", [0.1, 0.25]),
        ("I donate nothing", [0.0]),
        ("I'd like to donate zero", [0.0]),
    ],
)
def test_stated_amounts_reads_money_in_digits_words_and_coins(
    text: str, amounts: list[float]
) -> None:
    assert stated_amounts(normalise(text)) == pytest.approx(amounts)


@pytest.mark.parametrize(
    "text",
    [
        "I am 25 years old",
        "I have 2 kids",
        "a quarter of the money goes to admin",
        "It was 2018.",
        "a charity for 2 centuries",
    ],
)
def test_numbers_not_marked_as_money_are_not_amounts(text: str) -> None:
    assert stated_amounts(normalise(text)) == []


DONOR = _conversation(
    ("agent", "Would you like to donate to Save the Children? It costs you $2 at most."),
    ("customer", "I might. I gave $100 to a shelter last year."),
    ("agent", "Wonderful! How much would you like to give today?"),
    ("customer", "I'd rather not give it all... but fifty cents is fine."),
    ("agent", "Thank you, fifty cents it is."),
    ("customer", "Actually, make it the whole amount."),
)


def test_reads_the_customers_amounts_and_offer_of_everything() -> None:
    row = _row(DONOR)
    # Six spoken turns: the second half is turns 3-5; the agent's amounts never count.
    assert row["amount the customer named in the second half"] == pytest.approx(math.log1p(0.5))
    assert row["the customer named zero in the second half"] == 0
    assert row["last amount the customer named"] == pytest.approx(math.log1p(0.5))
    assert row["customer turns naming an amount"] == 2
    assert row["the customer offered everything in the second half"] == 1
    # "I'd rather not" is a decline phrase even when the turn goes on to give.
    assert row["the customer declined in the second half"] == 1
    assert row["the customer declined"] == 1


def test_a_customer_who_names_zero_and_keeps_it() -> None:
    row = _row(
        _conversation(
            ("customer", "Hi! Sure, I could give something."),
            ("agent", "How much would you like to donate?"),
            ("customer", "I'll donate $0, I think I will keep it."),
        )
    )
    assert row["amount the customer named in the second half"] == 0
    assert row["the customer named zero in the second half"] == 1
    assert row["the customer declined in the second half"] == 1


def test_no_amount_is_missing_and_no_phrase_is_zero() -> None:
    row = _row(_conversation(("agent", "Will you donate $1?"), ("customer", "Tell me more.")))
    assert np.isnan(row["amount the customer named in the second half"])
    assert np.isnan(row["the customer named zero in the second half"])
    assert np.isnan(row["last amount the customer named"])
    assert row["customer turns naming an amount"] == 0
    assert row["the customer declined"] == 0
    assert row["the customer offered everything in the second half"] == 0


def test_an_early_amount_is_not_a_second_half_amount() -> None:
    row = _row(
        _conversation(
            ("customer", "Normally I give $5 to charity."),
            ("agent", "That is generous."),
            ("customer", "Thanks."),
            ("agent", "Would you give today?"),
        )
    )
    assert np.isnan(row["amount the customer named in the second half"])
    assert row["last amount the customer named"] == pytest.approx(math.log1p(5.0))


def test_event_turns_never_count_and_prefixes_read_what_was_said() -> None:
    conversation = _conversation(
        ("customer", "Would you take $100?"),
        ("agent", "How about $120?"),
        ("customer", "offer $0"),
        ("customer", "No thanks, I will keep my money."),
        extra={2: {"event": "offer"}},
    )
    full = _row(conversation)
    assert full["customer turns naming an amount"] == 1  # the event's "$0" is not speech
    assert full["the customer declined in the second half"] == 1
    early = decision_matrix([prefix(conversation, turns=2)])[0]
    assert early[DECISION_FEATURES.index("the customer declined")] == 0
    assert early[DECISION_FEATURES.index("last amount the customer named")] == pytest.approx(
        math.log1p(100.0)
    )
