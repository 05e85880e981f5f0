"""ReplyValidator.validate: fixes from approved sentences, bounded regeneration, safe fallback."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from colloquy.agent.turn import Check, Reply, TurnContext
from colloquy.agent.validation import ReplyValidator, load_fixes
from colloquy.errors import LLMError

from .conftest import MakeContext, claim_status, verification

UNDER_REVIEW = "Thanks Maria, your claim CLM-2026-00012 is under review.\nAn adjuster has it."


def test_a_compliant_reply_is_sent_as_it_is(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    ctx = make_ctx(verified=True, outcomes=[verification(), claim_status()])
    outcome = validator.validate(ctx, Reply(UNDER_REVIEW, "llm"))
    assert outcome.text == UNDER_REVIEW
    assert outcome.passed
    assert not outcome.fixed
    assert outcome.attempts == 1
    assert {v.check for v in outcome.verdicts} == {Check.PII_ECHO, Check.PROMISE, Check.GROUNDING}
    assert {v.sentence_index for v in outcome.verdicts} == {0, 1}
    assert all(v.passed and v.fix == "" for v in outcome.verdicts)


def test_account_data_before_verification_is_replaced(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    ctx = make_ctx("hi, what's the status of CLM-2026-00012?")
    outcome = validator.validate(
        ctx, Reply("Sure! It is approved and you will get $2,840.00. Anything else?", "llm")
    )
    safe = load_fixes().replacement(Check.VERIFICATION)
    assert outcome.text == f"Sure! {safe} Anything else?"
    assert outcome.fixed
    assert outcome.attempts == 1
    failing = [v for v in outcome.verdicts if not v.passed]
    assert {v.check for v in failing} == {Check.VERIFICATION, Check.PROMISE, Check.GROUNDING}
    assert {(v.sentence_index, v.fix) for v in failing} == {(1, safe)}
    final = validator.check(ctx, outcome.text)
    assert all(v.passed for v in final)
    assert outcome.verdicts[-len(final) :] == final


def test_personal_data_is_masked_in_place(validator: ReplyValidator, make_ctx: MakeContext) -> None:
    ctx = make_ctx("my number is 555 0100", verified=True, outcomes=[verification()])
    outcome = validator.validate(ctx, Reply("Got it, I'll text 555-0100 when it moves.", "llm"))
    assert outcome.text == "Got it, I'll text the number you gave me when it moves."
    pii = [v for v in outcome.verdicts if v.check is Check.PII_ECHO and not v.passed]
    assert [v.fix for v in pii] == [outcome.text]


def test_a_repeated_replacement_is_dropped(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    ctx = make_ctx(verified=True, outcomes=[claim_status()])
    outcome = validator.validate(
        ctx, Reply("It was $9,100. It was filed on May 2, 2026. Anything else?", "llm")
    )
    safe = load_fixes().replacement(Check.GROUNDING)
    assert outcome.text == f"{safe} Anything else?"
    fixes = [v.fix for v in outcome.verdicts if v.check is Check.GROUNDING and not v.passed]
    assert fixes == [safe, ""]


def test_an_empty_reply_becomes_the_fallback(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    outcome = validator.validate(make_ctx(), Reply("  ", "llm"))
    assert outcome.text == load_fixes().fallback
    assert outcome.fixed


def test_regeneration_with_feedback_replaces_the_reply(make_ctx: MakeContext) -> None:
    seen: list[str] = []

    def regenerate(ctx: TurnContext, feedback: str) -> Reply:
        seen.append(feedback)
        return Reply("I can check that once you're verified.", "llm")

    validator = ReplyValidator(regenerate=regenerate)
    outcome = validator.validate(make_ctx(), Reply("Your claim CLM-2026-00019 is paid.", "llm"))
    assert outcome.text == "I can check that once you're verified."
    assert outcome.attempts == 2
    assert outcome.fixed
    assert len(seen) == 1
    assert "claim id CLM-2026-00019 before identity verification" in seen[0]
    assert "sentence 1" in seen[0]


def test_regeneration_is_bounded_then_template_fixes_apply(make_ctx: MakeContext) -> None:
    calls: list[int] = []

    def stubborn(ctx: TurnContext, feedback: str) -> Reply:
        calls.append(1)
        return Reply("I guarantee you will be paid $5,000.", "llm")

    for bound in (0, 1, 3):
        calls.clear()
        validator = ReplyValidator(regenerate=stubborn, max_regenerations=bound)
        ctx = make_ctx(verified=True, outcomes=[claim_status()])
        outcome = validator.validate(ctx, Reply("I guarantee it.", "llm"))
        assert len(calls) == bound
        assert outcome.attempts == bound + 1
        assert outcome.text == load_fixes().replacement(Check.PROMISE)
        assert all(v.passed for v in validator.check(ctx, outcome.text))


def test_a_per_call_callback_overrides_the_default(make_ctx: MakeContext) -> None:
    validator = ReplyValidator(regenerate=lambda ctx, feedback: Reply("default", "llm"))
    outcome = validator.validate(
        make_ctx(verified=True),
        Reply("You will receive $100.", "llm"),
        regenerate=lambda ctx, feedback: Reply("per call", "llm"),
    )
    assert outcome.text == "per call"


def test_a_failing_regeneration_falls_back_to_template_fixes(make_ctx: MakeContext) -> None:
    def broken(ctx: TurnContext, feedback: str) -> Reply:
        raise LLMError("the model is down")

    validator = ReplyValidator(regenerate=broken)
    outcome = validator.validate(make_ctx(verified=True), Reply("It's approved.", "llm"))
    assert outcome.attempts == 1
    assert outcome.text == load_fixes().replacement(Check.PROMISE)


def test_a_missing_disclaimer_alone_costs_no_regeneration(make_ctx: MakeContext) -> None:
    def never(ctx: TurnContext, feedback: str) -> Reply:
        raise AssertionError("regenerate must not be called for a missing disclaimer")

    validator = ReplyValidator(regenerate=never)
    outcome = validator.validate(
        make_ctx("should I sue the other driver?", guidelines=["no_legal_advice"]),
        Reply("That's up to you.", "template"),
    )
    assert outcome.text.startswith("I can't give legal advice")
    assert outcome.attempts == 1


def test_a_fix_that_still_fails_ends_in_the_safe_fallback(make_ctx: MakeContext) -> None:
    fixes = load_fixes()
    unsafe = replace(
        fixes,
        replacements=tuple(
            (check, "We will pay $9,999.") if check is Check.GROUNDING else (check, text)
            for check, text in fixes.replacements
        ),
    )
    validator = ReplyValidator(fixes=unsafe)
    ctx = make_ctx(verified=True, guidelines=["recorded_call_disclaimer"])
    outcome = validator.validate(ctx, Reply("Your claim was filed on May 2, 2026.", "llm"))
    assert outcome.text == (
        "Just so you know, this conversation is recorded for quality and compliance. "
        + fixes.fallback
    )
    assert outcome.fixed
    assert all(v.passed for v in validator.check(ctx, outcome.text))


def test_one_validator_serves_many_threads(
    validator: ReplyValidator, make_ctx: MakeContext
) -> None:
    contexts = [
        make_ctx(verified=bool(n % 2), outcomes=[claim_status()] if n % 2 else []) for n in range(8)
    ]
    reply = Reply("Your claim CLM-2026-00012 is under review.", "llm")
    expected = [validator.validate(ctx, reply).text for ctx in contexts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda ctx: validator.validate(ctx, reply).text, contexts * 5))
    assert got == expected * 5
    assert expected[0] != expected[1]
