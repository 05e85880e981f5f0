"""DISCLAIMER: a matched guideline's required phrase is in the reply, or it is put first."""

from __future__ import annotations

import pytest

from colloquy.agent.guidelines.loader import bundled_guidelines
from colloquy.agent.turn import Check, Reply
from colloquy.agent.validation import ReplyValidator, load_fixes

from .conftest import MakeContext


@pytest.mark.parametrize(
    ("guideline", "reply"),
    [
        ("recorded_call_disclaimer", "Hi, this call is recorded for quality. How can I help?"),
        ("medical_emergency", "Please call 911 right away. Then we can talk about the claim."),
        ("no_legal_advice", "I can't give you legal advice, but a lawyer can."),
        ("fraud_warning_on_submission", "Knowingly false claims are fraud. Shall I submit it?"),
        ("escalate_on_complaint", "I'm sorry. I can transfer you to a supervisor."),
    ],
)
def test_a_present_disclaimer_passes(
    validator: ReplyValidator, make_ctx: MakeContext, guideline: str, reply: str
) -> None:
    verdicts = validator.check(make_ctx(guidelines=[guideline]), reply)
    disclaimers = [v for v in verdicts if v.check is Check.DISCLAIMER]
    assert len(disclaimers) == 1
    assert disclaimers[0].passed
    assert disclaimers[0].sentence_index >= 0


def test_missing_disclaimers_are_put_first_by_priority(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    ctx = make_ctx(
        "Hi, there's a fire and my neighbour is hurt",
        guidelines=["recorded_call_disclaimer", "medical_emergency", "photos_for_damage"],
    )
    outcome = validator.validate(ctx, Reply("How can I help you today?", "template"))
    assert outcome.text == (
        "If anyone is hurt or in danger, please call 911 now. Just so you know, this "
        "conversation is recorded for quality and compliance. How can I help you today?"
    )
    assert outcome.fixed
    missing = [v for v in outcome.verdicts if v.check is Check.DISCLAIMER and not v.passed]
    assert [v.fix for v in missing] == [
        "If anyone is hurt or in danger, please call 911 now.",
        "Just so you know, this conversation is recorded for quality and compliance.",
    ]
    assert all(v.sentence_index == -1 for v in missing)


def test_unmapped_guidelines_are_not_checked(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    verdicts = validator.check(make_ctx(guidelines=["photos_for_damage"]), "Noted.")
    assert [v for v in verdicts if v.check is Check.DISCLAIMER] == []


def test_every_mapped_disclaimer_names_a_shipped_guideline() -> None:
    shipped = {g.name for g in bundled_guidelines()}
    mapped = {d.guideline for d in load_fixes().disclaimers}
    assert mapped <= shipped
    assert {"recorded_call_disclaimer", "no_legal_advice", "medical_emergency"} <= mapped
