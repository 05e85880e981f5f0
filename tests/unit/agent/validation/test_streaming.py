"""Streaming (the voice channel): one sentence at a time, then the disclaimers at the end."""

from __future__ import annotations

from colloquy.agent.turn import Check
from colloquy.agent.validation import ReplyValidator, load_fixes

from .conftest import MakeContext, claim_status, verification


def test_a_compliant_sentence_is_spoken_as_it_is(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    ctx = make_ctx(verified=True, outcomes=[verification(), claim_status()])
    sentence = "Your claim CLM-2026-00012 is under review."
    outcome = validator.validate_sentence(ctx, sentence, 2)
    assert outcome.text == sentence
    assert not outcome.fixed
    assert {v.sentence_index for v in outcome.verdicts} == {2}
    assert {v.check for v in outcome.verdicts} == {Check.PII_ECHO, Check.PROMISE, Check.GROUNDING}


def test_a_failing_sentence_is_fixed_and_the_fix_rechecked(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    ctx = make_ctx("it's 555 0100", verified=True, outcomes=[verification()])
    outcome = validator.validate_sentence(ctx, "I'll text 555-0100 when it moves.", 1)
    assert outcome.text == "I'll text the number you gave me when it moves."
    assert outcome.fixed
    failing = [v for v in outcome.verdicts if not v.passed]
    assert [(v.check, v.fix) for v in failing] == [(Check.PII_ECHO, outcome.text)]
    assert [v.sentence for v in outcome.verdicts if v.passed][-1] == outcome.text


def test_a_fix_already_spoken_is_dropped(validator: ReplyValidator, make_ctx: MakeContext) -> None:
    ctx = make_ctx(verified=True, outcomes=[claim_status()])
    safe = load_fixes().replacement(Check.PROMISE)
    first = validator.validate_sentence(ctx, "It will be approved.", 0)
    second = validator.validate_sentence(ctx, "You will get $9,000.", 1, spoken=first.text)
    assert first.text == safe
    assert second.text == ""
    assert second.fixed


def test_closing_sentences_add_what_the_stream_left_out(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    ctx = make_ctx(guidelines=["medical_emergency", "recorded_call_disclaimer"])
    closing = validator.closing_sentences(ctx, "This call is recorded. How can I help?")
    assert closing.text == "If anyone is hurt or in danger, please call 911 now."
    assert closing.fixed
    assert [(v.passed, v.sentence_index) for v in closing.verdicts] == [(False, -1), (True, 0)]
    assert closing.verdicts[0].fix == closing.text
    done = validator.closing_sentences(ctx, f"{closing.text} This call is recorded.")
    assert done.text == ""
    assert not done.fixed
