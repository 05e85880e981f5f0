"""The approved-sentences file: checked on load, errors that say where and how to fix."""

from __future__ import annotations

import pytest

from colloquy.agent.journeys.validation import DefinitionError
from colloquy.agent.turn import Check
from colloquy.agent.validation import Kind, ReplyValidator, load_fixes, parse_fixes
from colloquy.agent.validation.fixes import shipped_fixes_path

from .conftest import MakeContext

VALID = shipped_fixes_path().read_text(encoding="utf-8")


def test_the_shipped_file_loads() -> None:
    fixes = load_fixes()
    assert "verified your identity" in fixes.replacement(Check.VERIFICATION)
    assert fixes.mask(Kind.PHONE) == "the number you gave me"
    assert fixes.fallback


def test_a_missing_replacement_names_the_field() -> None:
    broken = VALID.replace("  grounding: I can only", "  groundin: I can only")
    with pytest.raises(DefinitionError) as caught:
        parse_fixes(broken, "fixes.yaml")
    assert caught.value.file == "fixes.yaml"
    assert "replacements" in caught.value.field


def test_a_disclaimer_sentence_must_carry_its_own_phrase() -> None:
    broken = VALID.replace(
        "sentence: If anyone is hurt or in danger, please call 911 now.",
        "sentence: If anyone is hurt, please call for help.",
    )
    with pytest.raises(DefinitionError) as caught:
        parse_fixes(broken, "fixes.yaml")
    assert caught.value.field == "disclaimers.medical_emergency.sentence"
    assert caught.value.line > 1


def test_an_invalid_pattern_is_reported_at_its_line() -> None:
    broken = VALID.replace("pattern: '\\b911\\b'", "pattern: '(911'")
    with pytest.raises(DefinitionError) as caught:
        parse_fixes(broken, "fixes.yaml")
    assert caught.value.field == "disclaimers.medical_emergency.pattern"
    assert "regular expression" in caught.value.problem


def test_every_approved_sentence_passes_the_checks(make_ctx: MakeContext) -> None:
    fixes = load_fixes()
    validator = ReplyValidator(fixes=fixes)
    sentences = [
        *(text for _, text in fixes.replacements),
        *(d.sentence for d in fixes.disclaimers),
        fixes.fallback,
    ]
    for verified in (False, True):
        ctx = make_ctx("my number is 555 0100", verified=verified, said=["born 1984-03-12"])
        for sentence in sentences:
            assert [v for v in validator.check(ctx, sentence) if not v.passed] == []
