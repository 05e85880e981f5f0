"""GROUNDING: claim ids, policy numbers, amounts and dates come from tools or the caller."""

from __future__ import annotations

import pytest

from colloquy.agent.turn import Check, Verdict
from colloquy.agent.validation import ReplyValidator

from .conftest import MakeContext, claim_status, knowledge


def failed(verdicts: tuple[Verdict, ...], check: Check) -> list[str]:
    return [v.sentence for v in verdicts if v.check is check and not v.passed]


@pytest.mark.parametrize(
    "reply",
    [
        "Your claim CLM-2026-00012 for $2,840.00 is under review.",
        "The incident on March 14, 2026 is recorded.",
        "It happened on the 14th of March.",
        "The claimed amount is 2840 dollars.",
        "The deductible is $500.",
        "You told me about $1,200 of damage.",
        "Your claim CLM-2026-77 came in on 2026-04-02.",
    ],
)
def test_grounded_values_pass(validator: ReplyValidator, make_ctx: MakeContext, reply: str) -> None:
    ctx = make_ctx(
        "The damage was about $1,200.",
        verified=True,
        said=["My claim is CLM-2026-00077, it happened on April 2, 2026."],
        outcomes=[claim_status(), knowledge()],
    )
    assert failed(validator.check(ctx, reply), Check.GROUNDING) == []


@pytest.mark.parametrize(
    "reply",
    [
        "Your claim CLM-2026-00013 is under review.",
        "We approved $3,000.00 for the repair.",
        "It will be reviewed by April 30, 2026.",
        "Your policy POL-100009 is active.",
    ],
)
def test_invented_values_fail(validator: ReplyValidator, make_ctx: MakeContext, reply: str) -> None:
    ctx = make_ctx(verified=True, outcomes=[claim_status()])
    assert failed(validator.check(ctx, reply), Check.GROUNDING) == [reply]


def test_values_in_the_engines_grounded_set_pass(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    ctx = make_ctx(verified=True, grounded=["CLM-2026-00041", "1500.00", "2026-02-01"])
    verdicts = validator.check(ctx, "CLM-2026-00041: $1,500 claimed on Feb 1, 2026.")
    assert failed(verdicts, Check.GROUNDING) == []


def test_a_bare_number_a_tool_returned_is_not_an_amount(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    ctx = make_ctx(verified=True, grounded=["0100", "3"])
    assert failed(validator.check(ctx, "That comes to $100."), Check.GROUNDING)
