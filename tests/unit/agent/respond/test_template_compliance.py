"""Every shipped template reply passes the real validator, loose and strict, unfixed."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tests.unit.agent.respond.contexts import Desk
from tests.unit.agent.respond.test_template_responder import CASES, Case

from colloquy.agent.engine.grounding import grounded_values
from colloquy.agent.respond import TemplateResponder
from colloquy.agent.validation import ReplyValidator

VALIDATOR = ReplyValidator()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_template_replies_need_no_fix(case: Case, desk: Desk, responder: TemplateResponder) -> None:
    ctx = desk.ctx(
        case.event,
        case.journey,
        case.state,
        asking=case.asking,
        message=case.message,
        slots=case.slots,
        verified=case.verified,
        guidelines=case.guidelines,
        outcomes=case.outcomes,
    )
    ctx = replace(ctx, grounded=grounded_values(ctx.tool_outcomes))
    for reply in (responder.respond(ctx), responder.regenerate(ctx, "strict")):
        outcome = VALIDATOR.validate(ctx, reply)
        failures = [(v.check.value, v.sentence, v.reason) for v in outcome.verdicts if not v.passed]
        assert not outcome.fixed, failures
        assert outcome.text == reply.text
