"""VERIFICATION: account data only after verify_customer_identity succeeded."""

from __future__ import annotations

import pytest

from colloquy.agent.turn import Check, Verdict
from colloquy.agent.validation import ReplyValidator

from .conftest import MakeContext, claim_status, customer_info, knowledge


def failed(verdicts: tuple[Verdict, ...], check: Check) -> list[str]:
    return [v.sentence for v in verdicts if v.check is check and not v.passed]


@pytest.mark.parametrize(
    "reply",
    [
        "Your claim CLM-2026-00019 is under review.",
        "The status is approved.",
        "Your payout of $2,840.00 was sent.",
        "Your policy POL-100001 covers that.",
        "I have your email as m***@example.com.",
        "Your date of birth on file is March 12, 1984.",
    ],
)
def test_account_data_before_verification_fails(
    validator: ReplyValidator, make_ctx: MakeContext, reply: str
) -> None:
    assert failed(validator.check(make_ctx(), reply), Check.VERIFICATION) == [reply]


@pytest.mark.parametrize(
    "reply",
    [
        "I can look that up once I have verified your identity.",
        "Could you give me the phone number on your policy and your date of birth?",
        "Before I look up CLM-2026-00012, I need to verify who I'm speaking with.",
        "Flood cover is an add-on, and the standard deductible is $500.",
    ],
)
def test_safe_replies_before_verification_pass(
    validator: ReplyValidator, make_ctx: MakeContext, reply: str
) -> None:
    ctx = make_ctx("Is flood covered? My claim is CLM-2026-00012.", outcomes=[knowledge()])
    verdicts = validator.check(ctx, reply)
    assert failed(verdicts, Check.VERIFICATION) == []
    assert any(v.check is Check.VERIFICATION for v in verdicts)


def test_names_a_tool_returned_are_account_data(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    ctx = make_ctx(outcomes=[customer_info()])
    assert failed(validator.check(ctx, "Thanks, Maria Gonzalez."), Check.VERIFICATION)


def test_after_verification_the_check_does_not_run(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    ctx = make_ctx(verified=True, outcomes=[claim_status()])
    verdicts = validator.check(ctx, "Your claim CLM-2026-00012 is under review.")
    assert [v for v in verdicts if v.check is Check.VERIFICATION] == []
    assert all(v.passed for v in verdicts)


def test_a_conditional_status_is_not_a_disclosure(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    reply = "Once you're verified, I'll tell you whether your claim has been approved."
    assert failed(validator.check(make_ctx(), reply), Check.VERIFICATION) == []


def test_an_article_quoted_before_verification_is_no_account_data(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    body = "Your policy pays up to $1,000 for a hire car while yours is repaired."
    ctx = make_ctx("do I get a hire car?", outcomes=[knowledge(body=body)])
    verdicts = validator.check(ctx, f"Our guide says: {body} Your payout is $1,000.")
    assert failed(verdicts, Check.VERIFICATION) == ["Your payout is $1,000."]
