"""PROMISE: no approval, amount, date or coverage promised beyond what the tools returned."""

from __future__ import annotations

import pytest

from colloquy.agent.turn import Check, Verdict
from colloquy.agent.validation import ReplyValidator
from colloquy.desk.records import ClaimStatus

from .conftest import MakeContext, claim_status, knowledge


def failed(verdicts: tuple[Verdict, ...], check: Check) -> list[str]:
    return [v.sentence for v in verdicts if v.check is check and not v.passed]


@pytest.mark.parametrize(
    "reply",
    [
        "I guarantee your claim will go through.",
        "Your claim will be approved.",
        "It's going to be paid out, no worries.",
        "Water damage is definitely covered.",
        "You will receive $2,840.00.",
        "You'll get the full payment.",
        "Your claim CLM-2026-00012 has been approved.",
        "I promise we'll sort it out.",
        "We will cover the repair.",
        "We'll pay you $2,840.00 next week.",
        "We will definitely approve it.",
        "Rest assured, the payout will arrive next week.",
        "You'll likely get the full amount.",
    ],
)
def test_promises_while_under_review_fail(
    validator: ReplyValidator, make_ctx: MakeContext, reply: str
) -> None:
    ctx = make_ctx(verified=True, outcomes=[claim_status()])
    assert failed(validator.check(ctx, reply), Check.PROMISE) == [reply]


@pytest.mark.parametrize(
    "reply",
    [
        "I can't guarantee that it will be approved.",
        "I can't promise an amount; the claims team decides under your policy terms.",
        "The adjuster will decide whether it will be covered.",
        "Your claim CLM-2026-00012 is under review.",
        "You will receive an email with your claim id.",
    ],
)
def test_facts_and_hedges_pass(
    validator: ReplyValidator, make_ctx: MakeContext, reply: str
) -> None:
    ctx = make_ctx(verified=True, outcomes=[claim_status()])
    assert failed(validator.check(ctx, reply), Check.PROMISE) == []


def test_an_approval_the_tool_returned_is_a_fact(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    approved = claim_status(status=ClaimStatus.APPROVED, approved="2590.00")
    ctx = make_ctx(verified=True, outcomes=[approved])
    verdicts = validator.check(
        ctx,
        "Your claim CLM-2026-00012 has been approved. You will receive $2,590.00. "
        "You will receive $2,840.00 within 3 days. The payment will be sent tomorrow.",
    )
    assert failed(verdicts, Check.PROMISE) == [
        "You will receive $2,840.00 within 3 days.",
        "The payment will be sent tomorrow.",
    ]


def test_the_named_claims_status_decides(validator: ReplyValidator, make_ctx: MakeContext) -> None:
    ctx = make_ctx(
        verified=True,
        outcomes=[
            claim_status("CLM-2026-00012", ClaimStatus.UNDER_REVIEW),
            claim_status("CLM-2026-00003", ClaimStatus.PAID, approved="900.00"),
        ],
    )
    verdicts = validator.check(
        ctx, "CLM-2026-00003 has been paid. Your claim CLM-2026-00012 is approved."
    )
    assert failed(verdicts, Check.PROMISE) == ["Your claim CLM-2026-00012 is approved."]


def test_policy_text_quoted_from_an_article_is_no_promise(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    article = knowledge(
        body="Approved repairers' work is guaranteed for five years and we pay them directly.",
        title="Emergency repairs before a claim is approved",
    )
    ctx = make_ctx("who does the repair?", outcomes=[article])
    quoted = (
        "Our guide “Emergency repairs before a claim is approved” says: Approved repairers' "
        "work is guaranteed for five years and we pay them directly."
    )
    verdicts = validator.check(ctx, f"{quoted} Your repair is guaranteed too.")
    assert failed(verdicts, Check.PROMISE) == ["Your repair is guaranteed too."]
    assert failed(verdicts, Check.VERIFICATION) == []


def test_conditions_are_no_promises(validator: ReplyValidator, make_ctx: MakeContext) -> None:
    ctx = make_ctx(verified=True, outcomes=[claim_status()])
    reply = "I'll let you know when it is approved. Once it is approved, you'll get the payment."
    assert failed(validator.check(ctx, reply), Check.PROMISE) == []
