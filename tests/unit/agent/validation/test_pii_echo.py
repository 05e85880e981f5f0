"""PII_ECHO: what the caller shared about themselves is never read back."""

from __future__ import annotations

import pytest

from colloquy.agent.turn import Check, Verdict
from colloquy.agent.validation import ReplyValidator

from .conftest import MakeContext, verification

SAID = (
    "My number is +1 555 0100 and I was born on March 12, 1984.",
    "You can email me at maria.gonzalez@example.com, I live at 12 Oak Street.",
    "My card is 4111 1111 1111 1111.",
)


def failed(verdicts: tuple[Verdict, ...], check: Check) -> list[str]:
    return [v.sentence for v in verdicts if v.check is check and not v.passed]


@pytest.mark.parametrize(
    "reply",
    [
        "I'll text you at 555-0100.",
        "I have your date of birth as March 12, 1984.",
        "Your birthday, March 12th, checks out.",
        "I'll write to maria.gonzalez@example.com.",
        "I'll send the form to 12 Oak Street.",
        "I charged the card 4111-1111-1111-1111.",
        "Your social security number 123-45-6789 is on file.",
    ],
)
def test_echoed_personal_data_fails(
    validator: ReplyValidator, make_ctx: MakeContext, reply: str
) -> None:
    ctx = make_ctx("Thanks.", verified=True, said=SAID, outcomes=[verification()])
    assert failed(validator.check(ctx, reply), Check.PII_ECHO) == [reply]


@pytest.mark.parametrize(
    "reply",
    [
        "Thanks, I have verified your identity, Maria.",
        "You can reach the claims team on 555-0199.",
        "I'll email the confirmation to the address on your policy.",
        "The card ending in 1111 is on file.",
    ],
)
def test_generic_acknowledgements_pass(
    validator: ReplyValidator, make_ctx: MakeContext, reply: str
) -> None:
    ctx = make_ctx("Thanks.", verified=True, said=SAID, outcomes=[verification()])
    assert failed(validator.check(ctx, reply), Check.PII_ECHO) == []


def test_a_date_of_birth_slot_is_personal_data(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    ctx = make_ctx("1990-07-04", slots=[("date_of_birth", "1990-07-04"), ("phone", "5550142")])
    verdicts = validator.check(ctx, "So that's 1990-07-04 and 555-0142, correct?")
    assert failed(verdicts, Check.PII_ECHO)
