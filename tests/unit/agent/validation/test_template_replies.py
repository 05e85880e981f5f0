"""The offline responder's approved replies pass the validator unchanged, strict variants too.

A template that the validator rewrote would mean either the template says something it
must not, or a check misreads a compliant sentence; both are bugs worth a failing test.
"""

from __future__ import annotations

from typing import Any

import pytest

from colloquy.agent.respond import TemplateResponder
from colloquy.agent.turn import TurnEvent
from colloquy.agent.validation import ReplyValidator
from colloquy.desk.records import ClaimStatus

from .conftest import MakeContext, claim_status, knowledge, submitted, verification

E = TurnEvent
SAID = ["Hi, my number is 555-0100 and I was born on March 12, 1984."]
SLOTS = [
    ("phone", "555-0100"),
    ("date_of_birth", "1984-03-12"),
    ("incident_date", "2026-03-01"),
    ("claim_type", "home"),
    ("amount", "1200.00"),
    ("description", "a pipe burst in the kitchen"),
]
APPROVED = {ClaimStatus.APPROVED: "2590.00", ClaimStatus.PAID: "2590.00"}
CASES: list[tuple[str, dict[str, Any]]] = [
    ("greeting", {"event": E.GREETING, "guidelines": ["recorded_call_disclaimer"]}),
    ("no journey", {"event": E.NO_JOURNEY}),
    (
        "ask phone before verification",
        {
            "event": E.ASK_SLOT,
            "journey": "claim_inquiry",
            "state": "verify_identity",
            "asking": "phone",
            "guidelines": ["verify_before_account_data"],
        },
    ),
    (
        "verified, ask claim",
        {
            "event": E.TOOL_RESULT,
            "journey": "claim_inquiry",
            "state": "ask_claim",
            "asking": "claim_id",
            "verified": True,
            "outcomes": [verification()],
        },
    ),
    *[
        (
            f"status {status}",
            {
                "event": E.TOOL_RESULT,
                "journey": "claim_inquiry",
                "state": "report_status",
                "verified": True,
                "outcomes": [
                    verification(),
                    claim_status(status=status, approved=APPROVED.get(status)),
                ],
                "guidelines": ["inquiry_status_only_from_tool", "no_promises_outside_policy"],
            },
        )
        for status in ClaimStatus
    ],
    (
        "confirm the details",
        {
            "event": E.CONFIRM,
            "journey": "claim_submission",
            "state": "confirm",
            "verified": True,
            "slots": SLOTS,
            "outcomes": [verification()],
            "guidelines": ["fraud_warning_on_submission"],
        },
    ),
    (
        "submitted",
        {
            "event": E.JOURNEY_DONE,
            "journey": "claim_submission",
            "state": "done",
            "verified": True,
            "slots": SLOTS,
            "outcomes": [verification(), submitted()],
            "guidelines": ["read_back_claim_id", "photos_for_damage"],
        },
    ),
    (
        "coverage answer",
        {
            "event": E.TOOL_RESULT,
            "journey": "knowledge_query",
            "state": "answer",
            "outcomes": [knowledge()],
            "guidelines": ["no_legal_advice", "medical_emergency"],
        },
    ),
]


@pytest.fixture(scope="module")
def responder() -> TemplateResponder:
    return TemplateResponder()


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[name for name, _ in CASES])
def test_template_replies_pass_unchanged(
    case: dict[str, Any],
    make_ctx: MakeContext,
    validator: ReplyValidator,
    responder: TemplateResponder,
) -> None:
    ctx = make_ctx(said=SAID, **case)
    for reply in (responder.respond(ctx), responder.regenerate(ctx, "be strict")):
        outcome = validator.validate(ctx, reply)
        failing = [(v.check, v.sentence, v.reason) for v in outcome.verdicts if not v.passed]
        assert failing == []
        assert outcome.text == reply.text
